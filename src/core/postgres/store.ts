/**
 * The PostgreSQL store (store.url: postgres://…, design.md §5a). The `Store` interface is
 * synchronous and the outbox lane reads it synchronously, so the active instance keeps its rows
 * in an in-memory SQLite database — the same SQL, indexes and ordering as the embedded store —
 * loaded from PostgreSQL when it becomes active, and group-commits every change to PostgreSQL
 * before `flush()` resolves (pg-commit.ts). One instance writes at a time: the lease
 * (src/failover/lease.ts) decides which, and fences its commits.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import type { KeyValueStore, MessageMap } from '../bridge.js';
import { migrate, openSqliteStore } from '../sqlite/store.js';
import type { BounceRepo, OutboxRepo, OutboxRow, Store } from '../store.js';
import { migratePg } from './migrations.js';
import { PgCommitter, type Fence } from './pg-commit.js';
import { prepareSharedDedupe, SharedDedupe, sharedOutbox, type SharedDedupeOptions } from './shared-dedupe.js';
import { sharedHandoff } from './shared-handoff.js';
import type { HandoffQueue } from '../handoff.js';
import { insertSqlite, readAllPg, TABLES } from './tables.js';

export interface PostgresStoreOptions {
  url: string;
  /** The lease this instance holds; every commit checks it. */
  fence?: Fence;
  onCommitError?: (err: Error) => void;
  /** Seconds one commit to PostgreSQL took, and how many rows it wrote. */
  onCommit?: (seconds: number, rows: number) => void;
  /** Sharded mode: this slot's inbound dedupe keys go to the table all slots share (shared-dedupe.ts). */
  sharedDedupe?: SharedDedupeOptions;
  /** Sharded mode (with `sharedDedupe`): the shared handoff queue (src/core/handoff.ts). */
  handoff?: { pollMs: number; otherSlots: readonly string[] };
}

export interface PostgresStore extends Store {
  /** Resolves once the last commit is done and the pool is closed. */
  closed(): Promise<void>;
}

const BIGINT_OID = 20;

/**
 * A pool that reads BIGINT columns (ms timestamps, ids) as numbers: they stay below 2^53.
 * `pipeline`: its connections send queries without waiting for the answer of the one before
 * (pg's pipeline mode), which the store's commits use (pg-commit.ts).
 */
export function pgPool(url: string, max = 4, pipeline = false): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    pipeline,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === BIGINT_OID
          ? (v: string) => Number(v)
          : (pg.types.getTypeParser(oid, format ?? 'text') as (v: string) => unknown)) as pg.CustomTypesConfig['getTypeParser'],
    },
  });
  // An idle client whose connection the server ended (a PostgreSQL restart, pg_terminate_backend)
  // is an 'error' event on the pool, which throws without a listener and would end the process.
  // pg has already dropped that client; the next query opens a new connection.
  pool.on('error', () => undefined);
  return pool;
}

export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  const pool = pgPool(options.url, 4, true);
  pool.on('error', (err) => options.onCommitError?.(err)); // an idle client's connection dropped
  const db = new Database(':memory:');
  try {
    const client = await pool.connect();
    try {
      await migratePg(client);
      if (options.sharedDedupe) await prepareSharedDedupe(client, options.sharedDedupe);
      migrate(db);
      // One snapshot of every table (REPEATABLE READ), so the working set is consistent.
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      for (const table of TABLES) insertSqlite(db, table, await readAllPg(client, table));
      await client.query('COMMIT');
    } finally {
      client.release();
    }
  } catch (err) {
    db.close();
    await pool.end();
    throw err;
  }
  const shared = options.sharedDedupe ? new SharedDedupe(options.sharedDedupe, db) : undefined;
  const committer = new PgCommitter(pool, db, options.fence, options.onCommitError ?? (() => undefined), options.onCommit, shared);
  const inner = openSqliteStore({ path: ':memory:', synchronous: 'normal', database: db });
  const sd = options.sharedDedupe;
  const handoff = sd && options.handoff ? sharedHandoff(pool, { ...sd, ...options.handoff }) : undefined;
  return mirrored(inner, db, committer, pool, shared, handoff);
}

function mirrored(
  inner: Store,
  db: Database.Database,
  c: PgCommitter,
  pool: pg.Pool,
  shared: SharedDedupe | undefined,
  handoff: HandoffQueue | undefined,
): PostgresStore {
  const o = inner.outbox;
  const mark = (id: number) => c.mark('outbox', [id]);
  const pendingOfUser = db.prepare(`SELECT id FROM outbox WHERE bridge = ? AND direction = ? AND user = ? AND state = 'pending' AND next_at > ?`).pluck();
  const prunable = db.prepare(`SELECT id, bridge, direction, dedupe FROM outbox WHERE state = 'done' AND updated_at < ?`);
  const outbox: OutboxRepo = {
    ...o,
    ...(shared ? sharedOutbox(o, shared) : {}),
    enqueue(item, now) {
      const r = o.enqueue(item, now);
      if (!r.duplicate) {
        shared?.enqueued(r.id, item.direction, item.dedupe);
        mark(r.id);
      }
      return r;
    },
    markDone: (id, now, error) => (o.markDone(id, now, error), mark(id)),
    retryLater: (id, nextAt, error, now) => (o.retryLater(id, nextAt, error, now), mark(id)),
    markDead: (id, error, now) => (o.markDead(id, error, now), mark(id)),
    reopen: (id, nextAt, error, now) => (o.reopen(id, nextAt, error, now) ? (mark(id), true) : false),
    revive: (id, now) => (o.revive(id, now) ? (mark(id), true) : false),
    discard(id) {
      const row = shared ? o.get(id) : undefined;
      if (!o.discard(id)) return false;
      if (row) shared?.forget(row);
      mark(id);
      return true;
    },
    expedite(bridge, direction, user, now) {
      for (const id of pendingOfUser.all(bridge, direction, user, now) as number[]) mark(id);
      return o.expedite(bridge, direction, user, now);
    },
    prune(before) {
      for (const row of prunable.all(before) as Array<Pick<OutboxRow, 'id' | 'bridge' | 'direction' | 'dedupe'>>) {
        shared?.forget(row);
        mark(row.id);
      }
      return o.prune(before);
    },
  };
  const b = inner.bounces;
  const markBounce = (bridge: string, user: string, stanzaId: string) => c.mark('bounce_track', [bridge, user, stanzaId]);
  // The keys sqliteBounces().prune deletes: older than `before`, or than the maxEntries-th newest.
  const keepAt = db.prepare(`SELECT at FROM bounce_track WHERE bridge = ? ORDER BY at DESC LIMIT 1 OFFSET CAST(? AS INTEGER)`).pluck();
  const olderThan = db.prepare(`SELECT bridge, user, stanza_id FROM bounce_track WHERE bridge = ? AND at < ?`).raw();
  const bounces: BounceRepo = {
    track: (bridge, user, stanzaId, sent) => (b.track(bridge, user, stanzaId, sent), markBounce(bridge, user, stanzaId)),
    find: (bridge, user, stanzaId) => b.find(bridge, user, stanzaId),
    forget: (bridge, user, stanzaId) => (b.forget(bridge, user, stanzaId), markBounce(bridge, user, stanzaId)),
    prune(bridge, before, maxEntries) {
      const nth = keepAt.get(bridge, Math.max(0, maxEntries - 1)) as number | undefined;
      const cutoff = nth === undefined ? before : Math.max(before, nth);
      for (const key of olderThan.all(bridge, cutoff) as string[][]) c.mark('bounce_track', key);
      return b.prune(bridge, before, maxEntries);
    },
    count: (bridge) => b.count(bridge),
  };
  let closing: Promise<void> | undefined;
  return {
    outbox,
    bounces,
    users: {
      touch: (bridge, user, now) => (inner.users.touch(bridge, user, now), c.mark('registrations', [bridge, user])),
      list: (bridge) => inner.users.list(bridge),
    },
    subscriptions: {
      add: (bridge, user, localpart) => (inner.subscriptions.add(bridge, user, localpart), c.mark('subscriptions', [bridge, user, localpart])),
      remove: (bridge, user, localpart) => (inner.subscriptions.remove(bridge, user, localpart), c.mark('subscriptions', [bridge, user, localpart])),
      list: (bridge) => inner.subscriptions.list(bridge),
    },
    kv(bridge): KeyValueStore {
      const kv = inner.kv(bridge);
      return {
        get: (key) => kv.get(key),
        list: (prefix) => kv.list(prefix),
        set: (key, value) => (kv.set(key, value), c.mark('bridge_kv', [bridge, key])),
        delete: (key) => (kv.delete(key), c.mark('bridge_kv', [bridge, key])),
      };
    },
    messages(bridge): MessageMap {
      const m = inner.messages(bridge);
      return {
        byNetworkId: (id) => m.byNetworkId(id),
        byXmppId: (user, id) => m.byXmppId(user, id),
        put: (e) => (m.put(e), c.mark('message_map', [bridge, e.user, e.xmppId])),
      };
    },
    async flush() {
      await inner.flush();
      await c.flush();
    },
    ...(shared
      ? {
          async claimed(id: number) {
            const claim = shared.claim(id);
            if (!claim) return undefined;
            await inner.flush();
            await c.flush();
            if (claim.duplicate === undefined) throw new Error(`store (PostgreSQL): the shared dedupe of outbox row ${id} was not decided by its commit`);
            return claim.duplicate;
          },
        }
      : {}),
    ...(handoff ? { handoff } : {}),
    writableProblem() {
      return c.lastError ? `store (PostgreSQL): the last commit failed: ${c.lastError.message}` : undefined;
    },
    close() {
      void this.closed();
    },
    closed() {
      closing ??= (async () => {
        await inner.flush().catch(() => undefined);
        await c.close();
        inner.close();
        await pool.end();
      })();
      return closing;
    },
  };
}
