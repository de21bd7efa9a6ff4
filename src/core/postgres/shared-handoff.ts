/**
 * Sharded mode's handoff queue (src/core/handoff.ts) in PostgreSQL: `<lease name>_shared.handoff`,
 * next to the shared inbound dedupe (shared-dedupe.ts, whose migrations create it). Posting is one
 * INSERT, committed when it returns, so the network may be acknowledged after it; any slot's
 * gateway reads and deletes. The queue is small (items live until the slot that knows them polls,
 * a heartbeat), and the poll's `id > cursor OR created_at >= since` keeps each read to the new
 * items and the young ones.
 */
import type pg from 'pg';
import type { HandoffItem, HandoffQueue } from '../handoff.js';
import { checkSchema } from './shared-dedupe.js';

export interface SharedHandoffOptions {
  schema: string;
  /** The slot of the store that posts (for the logs of whoever takes it). */
  slot: number;
  pollMs: number;
  /** The schemas of the other slots, whose message maps `post(…, ifKnown)` looks in. */
  otherSlots: readonly string[];
}

export function sharedHandoff(pool: pg.Pool, options: SharedHandoffOptions): HandoffQueue {
  const s = checkSchema(options.schema);
  const others = options.otherSlots.map(checkSchema);
  return {
    pollMs: options.pollMs,
    async post(bridge, kind, payload, now, ifKnown) {
      const values = [bridge, kind, JSON.stringify(payload), options.slot, now];
      if (ifKnown === undefined) {
        await pool.query(`INSERT INTO ${s}.handoff (bridge, kind, payload, from_slot, created_at) VALUES ($1, $2, $3, $4, $5)`, values);
        return true;
      }
      if (others.length === 0) return false;
      // One statement: the look-up in the other slots' message maps (committed rows; index
      // message_map_network, migration 3) and the insert.
      const known = others.map((o) => `SELECT 1 FROM ${o}.message_map WHERE bridge = $1 AND network_id = ANY($6::text[])`).join(' UNION ALL ');
      const r = await pool.query(`INSERT INTO ${s}.handoff (bridge, kind, payload, from_slot, created_at) SELECT $1, $2, $3, $4, $5 WHERE EXISTS (${known})`, [
        ...values,
        ifKnown,
      ]);
      return (r.rowCount ?? 0) > 0;
    },
    async list(bridges, after, since) {
      const r = await pool.query<{ id: number; bridge: string; kind: string; payload: string; created_at: number }>(
        `SELECT id, bridge, kind, payload, created_at FROM ${s}.handoff
         WHERE bridge = ANY($1::text[]) AND (id > $2 OR created_at >= $3) ORDER BY id LIMIT 500`,
        [bridges, after, since],
      );
      return r.rows.map((row): HandoffItem => ({
        id: row.id,
        bridge: row.bridge,
        kind: row.kind,
        payload: JSON.parse(row.payload) as Record<string, string>,
        createdAt: row.created_at,
      }));
    },
    async remove(id) {
      await pool.query(`DELETE FROM ${s}.handoff WHERE id = $1`, [id]);
    },
    async prune(before) {
      const r = await pool.query(`DELETE FROM ${s}.handoff WHERE created_at < $1`, [before]);
      return r.rowCount ?? 0;
    },
  };
}
