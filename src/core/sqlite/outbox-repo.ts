import type Database from 'better-sqlite3';
import type { Direction, EnqueueItem, OutboxRepo, OutboxRow, OutboxStats } from '../store.js';
import type { GroupCommit } from './group-commit.js';

interface RawRow {
  id: number;
  direction: Direction;
  bridge: string;
  user: string;
  okey: string;
  dedupe: string | null;
  payload: string;
  state: OutboxRow['state'];
  attempts: number;
  next_at: number;
  created_at: number;
  last_error: string | null;
}

function toRow(r: RawRow): OutboxRow {
  return {
    id: r.id,
    direction: r.direction,
    bridge: r.bridge,
    user: r.user,
    okey: r.okey,
    dedupe: r.dedupe,
    payload: r.payload,
    state: r.state,
    attempts: r.attempts,
    nextAt: r.next_at,
    createdAt: r.created_at,
    lastError: r.last_error,
  };
}

/**
 * A row count bound to a LIMIT. Never a bare `LIMIT ?`: SQLite (3.53, built with STAT4 as
 * better-sqlite3 is) plans with the value bound to a bare LIMIT parameter and so marks the
 * statement expired whenever that parameter is bound, i.e. it is compiled again on every call
 * (measured: ~35 µs more per call of the key-chain query, run once per message and direction).
 * An expression is not looked into, so the statement is compiled once.
 */
const LIMIT = 'LIMIT CAST(? AS INTEGER)';

/** The outbox on SQLite. Writes join the group commit; `Store.flush()` makes them durable. */
export function sqliteOutbox(db: Database.Database, batch: GroupCommit): OutboxRepo {
  const insert = db.prepare(
    `INSERT INTO outbox (direction, bridge, user, okey, dedupe, payload, state, attempts, next_at, created_at, updated_at, last_error)
     VALUES (@direction, @bridge, @user, @okey, @dedupe, @payload, @state, 0, @now, @now, @now, @error)
     ON CONFLICT DO NOTHING`,
  );
  const byDedupe = db.prepare(`SELECT id FROM outbox WHERE bridge = ? AND direction = ? AND dedupe = ?`);
  // The head of each ordering key is its pending row with the smallest id. One pass over the
  // partial index outbox_pending (bridge, direction, okey, id) finds them all; each key's chain
  // is then read by the same index (cheaper than a correlated subquery per pending row).
  const heads = db.prepare(
    `SELECT okey, MIN(id) AS id FROM outbox WHERE bridge = ? AND direction = ? AND state = 'pending' GROUP BY okey`,
  );
  const byId = db.prepare(`SELECT * FROM outbox WHERE id = ?`);
  const dueHeads = db.prepare(
    `SELECT o.okey AS okey, o.next_at AS nextAt FROM outbox o
       JOIN (SELECT MIN(id) AS id FROM outbox WHERE bridge = ? AND direction = ? AND state = 'pending' GROUP BY okey) h ON o.id = h.id
       WHERE o.next_at <= ? ORDER BY o.next_at ${LIMIT}`,
  );
  // A key's chain: its pending rows in order, from the head on.
  const keyChain = db.prepare(
    `SELECT * FROM outbox WHERE bridge = ? AND direction = ? AND state = 'pending' AND okey = ? ORDER BY id ${LIMIT}`,
  );
  const nextDue = db.prepare(
    `SELECT MIN(next_at) AS at FROM outbox WHERE bridge = ? AND direction = ? AND state = 'pending' AND next_at > ?`,
  );
  const done = db.prepare(`UPDATE outbox SET state = 'done', attempts = attempts + 1, updated_at = ?, last_error = ? WHERE id = ?`);
  const retry = db.prepare(
    `UPDATE outbox SET attempts = attempts + 1, next_at = ?, last_error = ?, updated_at = ? WHERE id = ?`,
  );
  const dead = db.prepare(`UPDATE outbox SET state = 'dead', attempts = attempts + 1, last_error = ?, updated_at = ? WHERE id = ?`);
  const reopen = db.prepare(
    `UPDATE outbox SET state = 'pending', next_at = ?, last_error = ?, updated_at = ? WHERE id = ? AND state = 'done'`,
  );
  const expedite = db.prepare(
    `UPDATE outbox SET next_at = ?, updated_at = ? WHERE bridge = ? AND direction = ? AND user = ? AND state = 'pending' AND next_at > ?`,
  );
  const pendingStats = db.prepare(
    `SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM outbox WHERE bridge = ? AND state = 'pending'`,
  );
  const deadCount = db.prepare(`SELECT COUNT(*) AS n FROM outbox WHERE bridge = ? AND state = 'dead'`);
  const deadList = db.prepare(`SELECT * FROM outbox WHERE bridge = ? AND state = 'dead' ORDER BY id ${LIMIT}`);
  const list = db.prepare(
    `SELECT * FROM outbox WHERE bridge = @bridge AND (@direction IS NULL OR direction = @direction)
       AND (@state IS NULL OR state = @state) ORDER BY id LIMIT CAST(@limit AS INTEGER)`,
  );
  const revive = db.prepare(
    `UPDATE outbox SET state = 'pending', attempts = 0, next_at = ?, updated_at = ? WHERE id = ? AND state = 'dead'`,
  );
  const discard = db.prepare(`DELETE FROM outbox WHERE id = ? AND state = 'dead'`);
  const prune = db.prepare(`DELETE FROM outbox WHERE state = 'done' AND updated_at < ?`);

  const dueFor = (bridge: string, direction: Direction, okey: string, now: number, limit: number): OutboxRow[] => {
    const rows = keyChain.all(bridge, direction, okey, limit) as RawRow[];
    // Only the head can be waiting for a retry; the rows behind it wait with it.
    return rows.length > 0 && rows[0]!.next_at <= now ? rows.map(toRow) : [];
  };

  return {
    enqueue(item: EnqueueItem, now: number) {
      const info = batch.run(() => insert.run({
        direction: item.direction,
        bridge: item.bridge,
        user: item.user,
        okey: item.okey,
        dedupe: item.dedupe ?? null,
        payload: item.payload,
        state: item.dead === undefined ? 'pending' : 'dead',
        error: item.dead ?? null,
        now,
      }));
      if (info.changes === 1) return { id: Number(info.lastInsertRowid), duplicate: false };
      const existing = byDedupe.get(item.bridge, item.direction, item.dedupe ?? null) as { id: number } | undefined;
      return { id: existing?.id ?? -1, duplicate: true };
    },
    due(bridge, direction, now, busy, limit, perKey = 1) {
      const candidates = (heads.all(bridge, direction) as Array<{ okey: string; id: number }>)
        .filter((h) => !busy.has(h.okey))
        .sort((x, y) => x.id - y.id);
      const out: OutboxRow[][] = [];
      for (const h of candidates) {
        if (out.length >= limit) break;
        const chain = dueFor(bridge, direction, h.okey, now, perKey);
        if (chain.length > 0) out.push(chain);
      }
      return out;
    },
    dueFor,
    dueHeads(bridge, direction, now, limit) {
      return dueHeads.all(bridge, direction, now, limit) as Array<{ okey: string; nextAt: number }>;
    },
    nextDueAt(bridge, direction, after) {
      const r = nextDue.get(bridge, direction, after) as { at: number | null };
      return r.at ?? undefined;
    },
    markDone(id, now, error) {
      batch.run(() => done.run(now, error ?? null, id));
    },
    retryLater(id, nextAt, error, now) {
      batch.run(() => retry.run(nextAt, error, now, id));
    },
    markDead(id, error, now) {
      batch.run(() => dead.run(error, now, id));
    },
    reopen(id, nextAt, error, now) {
      return batch.run(() => reopen.run(nextAt, error, now, id)).changes === 1;
    },
    expedite(bridge, direction, user, now) {
      return batch.run(() => expedite.run(now, now, bridge, direction, user, now)).changes;
    },
    get(id) {
      const r = byId.get(id) as RawRow | undefined;
      return r ? toRow(r) : undefined;
    },
    stats(bridge): OutboxStats {
      const p = pendingStats.get(bridge) as { n: number; oldest: number | null };
      const d = deadCount.get(bridge) as { n: number };
      return { pending: p.n, dead: d.n, ...(p.oldest !== null ? { oldestPendingAt: p.oldest } : {}) };
    },
    deadLetters(bridge, limit) {
      return (deadList.all(bridge, limit) as RawRow[]).map(toRow);
    },
    list(bridge, filter, limit) {
      const rows = list.all({ bridge, direction: filter.direction ?? null, state: filter.state ?? null, limit }) as RawRow[];
      return rows.map(toRow);
    },
    revive(id, now) {
      return batch.run(() => revive.run(now, now, id)).changes === 1;
    },
    discard(id) {
      return batch.run(() => discard.run(id)).changes === 1;
    },
    prune(before) {
      return batch.run(() => prune.run(before)).changes;
    },
  };
}
