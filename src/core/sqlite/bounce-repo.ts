import type Database from 'better-sqlite3';
import type { BounceRepo, SentStanza } from '../store.js';
import type { GroupCommit } from './group-commit.js';

interface RawEntry {
  row_id: number;
  to_resource: string | null;
  at: number;
}

/** The bounce correlation on SQLite (migration 5). Writes join the group commit. */
export function sqliteBounces(db: Database.Database, batch: GroupCommit): BounceRepo {
  const put = db.prepare(
    `INSERT INTO bounce_track (bridge, user, stanza_id, row_id, to_resource, at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (bridge, user, stanza_id) DO UPDATE SET row_id = excluded.row_id, to_resource = excluded.to_resource, at = excluded.at`,
  );
  const get = db.prepare(`SELECT row_id, to_resource, at FROM bounce_track WHERE bridge = ? AND user = ? AND stanza_id = ?`);
  const del = db.prepare(`DELETE FROM bounce_track WHERE bridge = ? AND user = ? AND stanza_id = ?`);
  const expire = db.prepare(`DELETE FROM bounce_track WHERE bridge = ? AND at < ?`);
  // The newest `maxEntries` are kept: what was sent before the maxEntries-th newest goes (entries
  // of that same millisecond stay, so a burst may keep a few more). One walk of bounce_track_age.
  const overflow = db.prepare(
    `DELETE FROM bounce_track WHERE bridge = @bridge AND at < (SELECT at FROM bounce_track WHERE bridge = @bridge ORDER BY at DESC LIMIT 1 OFFSET @keep - 1)`,
  );
  const count = db.prepare(`SELECT COUNT(*) AS n FROM bounce_track WHERE bridge = ?`);

  return {
    track(bridge, user, stanzaId, sent: SentStanza) {
      batch.run(() => put.run(bridge, user, stanzaId, sent.rowId, sent.toResource ?? null, sent.at));
    },
    find(bridge, user, stanzaId) {
      const r = get.get(bridge, user, stanzaId) as RawEntry | undefined;
      return r && { rowId: r.row_id, at: r.at, ...(r.to_resource !== null ? { toResource: r.to_resource } : {}) };
    },
    forget(bridge, user, stanzaId) {
      batch.run(() => del.run(bridge, user, stanzaId));
    },
    prune(bridge, before, maxEntries) {
      return batch.run(() => expire.run(bridge, before).changes + overflow.run({ bridge, keep: maxEntries }).changes);
    },
    count(bridge) {
      return (count.get(bridge) as { n: number }).n;
    },
  };
}
