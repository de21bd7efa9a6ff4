import { accessSync, closeSync, constants, fdatasync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { KeyValueStore, MessageMap, MessageMapEntry } from '../bridge.js';
import type { Store, SubscriptionRepo, UserRepo } from '../store.js';
import { sqliteBounces } from './bounce-repo.js';
import { GroupCommit } from './group-commit.js';
import { migrations } from './migrations.js';
import { sqliteOutbox } from './outbox-repo.js';

export interface SqliteOptions {
  /** File path, or ':memory:'. */
  path: string;
  /**
   * `full`: what `flush()` resolves for survives power loss (an fdatasync of the WAL off the
   * event loop, group-commit.ts); `normal`: survives a process crash (kill -9) but may lose the
   * last commits on power loss. SQLite itself runs with synchronous=NORMAL in both.
   */
  synchronous: 'full' | 'normal';
  /** Commit writes nobody waits for at most this long after the first (default 0: end of turn). */
  commitDelayMs?: number;
  /**
   * Use this database (already migrated) instead of opening `path`: the PostgreSQL store keeps
   * its working set in an in-memory database (src/core/postgres/store.ts).
   */
  database?: Database.Database;
}

/** Apply the migrations above the database's user_version, each in its own transaction. */
export function migrate(db: Database.Database): number {
  let version = db.pragma('user_version', { simple: true }) as number;
  if (version > migrations.length) {
    throw new Error(`the database schema (version ${version}) is newer than this Switchboard (${migrations.length}); upgrade Switchboard`);
  }
  while (version < migrations.length) {
    const sql = migrations[version]!;
    const next = version + 1;
    db.transaction(() => {
      db.exec(sql);
      db.pragma(`user_version = ${next}`);
    })();
    version = next;
  }
  return version;
}

/**
 * fdatasync of the WAL file on the thread pool. Any descriptor of the file will do: fsync works on
 * the inode (the WAL exists from the first commit on and is reused, not replaced, while open).
 */
function walSync(walPath: string): { sync: () => Promise<void>; close: () => void } {
  let fd: number | undefined;
  return {
    sync: async () => {
      fd ??= openSync(walPath, 'r');
      const open = fd;
      await new Promise<void>((resolve, reject) => fdatasync(open, (err) => (err ? reject(err) : resolve())));
    },
    close: () => {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}

export function openSqliteStore(options: SqliteOptions, onCommitError: (err: Error) => void = () => undefined): Store {
  if (options.path !== ':memory:' && !options.database) mkdirSync(dirname(options.path), { recursive: true });
  const db = options.database ?? new Database(options.path);
  if (!options.database) {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
    // What is deleted or overwritten (an archived message retracted, XEP-0424 §6) is zeroed in its
    // page rather than left in free space; FAST does so without extra I/O
    // (https://sqlite.org/pragma.html#pragma_secure_delete). Old page versions in the WAL go when
    // it is checkpointed and reused.
    db.pragma('secure_delete = FAST');
    migrate(db);
  }
  const wal = options.synchronous === 'full' && options.path !== ':memory:' ? walSync(`${options.path}-wal`) : undefined;
  const batch = new GroupCommit(db, onCommitError, wal?.sync, options.commitDelayMs ?? 0);

  const kvGet = db.prepare(`SELECT value FROM bridge_kv WHERE bridge = ? AND key = ?`);
  const kvSet = db.prepare(
    `INSERT INTO bridge_kv (bridge, key, value) VALUES (?, ?, ?) ON CONFLICT (bridge, key) DO UPDATE SET value = excluded.value`,
  );
  const kvDel = db.prepare(`DELETE FROM bridge_kv WHERE bridge = ? AND key = ?`);
  // Prefix match by range, so that LIKE wildcards in keys mean nothing.
  const kvList = db.prepare(`SELECT key, value FROM bridge_kv WHERE bridge = ? AND key >= ? AND key < ? ORDER BY key`);
  const mapPut = db.prepare(
    `INSERT INTO message_map (bridge, user, xmpp_id, network_id, peer, thread, resource, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (bridge, user, xmpp_id) DO UPDATE SET network_id = excluded.network_id,
       peer = coalesce(excluded.peer, peer), thread = coalesce(excluded.thread, thread), resource = coalesce(excluded.resource, resource)`,
  );
  const mapByNet = db.prepare(`SELECT * FROM message_map WHERE bridge = ? AND network_id = ? ORDER BY created_at DESC LIMIT 1`);
  const mapByXmpp = db.prepare(`SELECT * FROM message_map WHERE bridge = ? AND user = ? AND xmpp_id = ?`);
  const touch = db.prepare(
    `INSERT INTO registrations (bridge, user, first_seen, last_seen) VALUES (?, ?, ?, ?)
     ON CONFLICT (bridge, user) DO UPDATE SET last_seen = excluded.last_seen`,
  );
  const users = db.prepare(`SELECT * FROM registrations WHERE bridge = ? ORDER BY user`);
  const subAdd = db.prepare(`INSERT INTO subscriptions (bridge, user, localpart) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`);
  const subDel = db.prepare(`DELETE FROM subscriptions WHERE bridge = ? AND user = ? AND localpart = ?`);
  const subList = db.prepare(`SELECT user, localpart FROM subscriptions WHERE bridge = ? ORDER BY user, localpart`);

  interface MapRaw {
    user: string;
    xmpp_id: string;
    network_id: string;
    peer: string | null;
    thread: string | null;
    resource: string | null;
    created_at: number;
  }
  const toEntry = (r: MapRaw | undefined): MessageMapEntry | undefined =>
    r && {
      user: r.user,
      xmppId: r.xmpp_id,
      networkId: r.network_id,
      createdAt: r.created_at,
      ...(r.peer !== null ? { peer: r.peer } : {}),
      ...(r.thread !== null ? { thread: r.thread } : {}),
      ...(r.resource !== null ? { resource: r.resource } : {}),
    };

  const userRepo: UserRepo = {
    touch: (bridge, user, now) => void batch.run(() => touch.run(bridge, user, now, now)),
    list: (bridge) =>
      (users.all(bridge) as Array<{ bridge: string; user: string; first_seen: number; last_seen: number }>).map((r) => ({
        bridge: r.bridge,
        user: r.user,
        firstSeen: r.first_seen,
        lastSeen: r.last_seen,
      })),
  };
  const subscriptions: SubscriptionRepo = {
    add: (bridge, user, localpart) => void batch.run(() => subAdd.run(bridge, user, localpart)),
    remove: (bridge, user, localpart) => void batch.run(() => subDel.run(bridge, user, localpart)),
    list: (bridge) => subList.all(bridge) as Array<{ user: string; localpart: string }>,
  };

  return {
    outbox: sqliteOutbox(db, batch),
    bounces: sqliteBounces(db, batch),
    flush: () => batch.flush(),
    users: userRepo,
    subscriptions,
    kv(bridge): KeyValueStore {
      return {
        get<T>(key: string) {
          const r = kvGet.get(bridge, key) as { value: string } | undefined;
          return r ? (JSON.parse(r.value) as T) : undefined;
        },
        set(key, value) {
          batch.run(() => kvSet.run(bridge, key, JSON.stringify(value)));
        },
        delete(key) {
          batch.run(() => kvDel.run(bridge, key));
        },
        list<T>(prefix: string) {
          const rows = kvList.all(bridge, prefix, prefix + '\uffff') as Array<{ key: string; value: string }>;
          return rows.map((r) => ({ key: r.key, value: JSON.parse(r.value) as T }));
        },
      };
    },
    messages(bridge): MessageMap {
      return {
        put: (e) => void batch.run(() => mapPut.run(bridge, e.user, e.xmppId, e.networkId, e.peer ?? null, e.thread ?? null, e.resource ?? null, Date.now())),
        byNetworkId: (networkId) => toEntry(mapByNet.get(bridge, networkId) as MapRaw | undefined),
        byXmppId: (user, xmppId) => toEntry(mapByXmpp.get(bridge, user, xmppId) as MapRaw | undefined),
      };
    },
    writableProblem() {
      if (options.path === ':memory:') return undefined;
      if (batch.lastError) return `store ${options.path}: the last commit failed: ${batch.lastError.message}`;
      try {
        accessSync(options.path, constants.W_OK);
        accessSync(dirname(options.path), constants.W_OK);
        // A write lock proves the database is writable; inside an open batch we already hold one.
        if (!batch.inTransaction) {
          db.prepare('BEGIN IMMEDIATE').run();
          db.prepare('ROLLBACK').run();
        }
        return undefined;
      } catch (err) {
        return `store ${options.path} is not writable: ${(err as Error).message}`;
      }
    },
    close() {
      batch.commit();
      // Closing checkpoints the WAL into the database file and syncs it.
      db.close();
      wal?.close();
    },
  };
}
