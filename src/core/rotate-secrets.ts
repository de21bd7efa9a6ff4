/**
 * `switchboard rotate-secrets --config FILE --old-key FILE`: re-seal every sealed secret of the
 * store (secrets.ts) from the old key to the key the config names, in one transaction, on the
 * SQLite file or the PostgreSQL database of the config. It works without the bridges: a sealed
 * value is found by its `sbsec1:` form in any top-level field of a `bridge_kv` JSON object, and is
 * bound to (bridge, key, field), which the row says. Values already under the new key are left
 * (a second run changes nothing). A value under a third key, or one that does not open, stops the
 * run before anything is written. Stop the gateway first: on PostgreSQL a live lease is refused.
 */
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { migrate } from './sqlite/store.js';
import { migratePg } from './postgres/migrations.js';
import { pgPool } from './postgres/store.js';
import { isSealed, open, seal, sealedKeyId, secretKeyId, secretPlace } from './secrets.js';

export interface KvRow {
  bridge: string;
  key: string;
  value: string;
}

export interface RotateResult {
  outcome: 'rotated' | 'refused';
  /** Secrets re-sealed (or that would have been, when refused). */
  resealed: number;
  /** Secrets already under the new key. */
  current: number;
  message: string;
}

/** The rows to write, or the problems (places only, never values) that stop the run. */
export interface RotatePlan {
  updates: KvRow[];
  resealed: number;
  current: number;
  problems: string[];
}

export function rotateRows(rows: readonly KvRow[], oldKey: Buffer, newKey: Buffer): RotatePlan {
  const [oldId, newId] = [secretKeyId(oldKey), secretKeyId(newKey)];
  const updates: KvRow[] = [];
  const problems: string[] = [];
  let resealed = 0;
  let current = 0;
  for (const row of rows) {
    let value: unknown;
    try {
      value = JSON.parse(row.value);
    } catch {
      continue; // not JSON: holds no sealed field
    }
    if (!value || typeof value !== 'object' || Array.isArray(value)) continue;
    const next: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    let changed = false;
    for (const [field, v] of Object.entries(next)) {
      if (!isSealed(v)) continue;
      const place = secretPlace(row.bridge, row.key, field);
      const where = `${row.bridge} ${row.key} ${field}`;
      const id = sealedKeyId(v);
      if (id === newId) current++;
      else if (id !== oldId) problems.push(`${where}: sealed with key ${id}, neither the old key (${oldId}) nor the new one (${newId})`);
      else {
        try {
          next[field] = seal(newKey, open(oldKey, v, place), place);
          changed = true;
          resealed++;
        } catch (err) {
          problems.push(`${where}: ${(err as Error).message}`);
        }
      }
    }
    if (changed) updates.push({ ...row, value: JSON.stringify(next) });
  }
  return { updates, resealed, current, problems };
}

function summary(r: { resealed: number; current: number; problems: string[] }, where: string, oldKey: Buffer, newKey: Buffer): RotateResult {
  if (r.problems.length > 0) {
    return { outcome: 'refused', resealed: r.resealed, current: r.current, message: `${where}: nothing changed; ${r.problems.length} secrets cannot be rotated:\n  ${r.problems.join('\n  ')}` };
  }
  return {
    outcome: 'rotated',
    resealed: r.resealed,
    current: r.current,
    message: `${where}: re-sealed ${r.resealed} secrets from key ${secretKeyId(oldKey)} to key ${secretKeyId(newKey)} (${r.current} were already under it)`,
  };
}

export function rotateSqlite(path: string, oldKey: Buffer, newKey: Buffer): RotateResult {
  if (!existsSync(path)) throw new Error(`${path}: no such file`);
  const db = new Database(path);
  try {
    migrate(db);
    db.pragma('busy_timeout = 5000');
    const run = db.transaction(() => {
      const r = rotateRows(db.prepare('SELECT bridge, key, value FROM bridge_kv').all() as KvRow[], oldKey, newKey);
      if (r.problems.length > 0) return r;
      const update = db.prepare('UPDATE bridge_kv SET value = ? WHERE bridge = ? AND key = ?');
      for (const u of r.updates) update.run(u.value, u.bridge, u.key);
      return r;
    });
    return summary(run.immediate(), path, oldKey, newKey);
  } finally {
    db.close();
  }
}

export async function rotatePostgres(url: string, oldKey: Buffer, newKey: Buffer): Promise<RotateResult> {
  const pool = pgPool(url, 1);
  const client = await pool.connect();
  const where = url.replace(/\/\/[^@/]*@/, '//');
  try {
    await migratePg(client);
    await client.query('BEGIN');
    // The gateway's in-memory copy would write the old values back: none may run meanwhile.
    await client.query('LOCK TABLE switchboard_lease, bridge_kv IN EXCLUSIVE MODE');
    const live = await client.query<{ holder: string }>('SELECT holder FROM switchboard_lease WHERE expires_at > now()');
    if (live.rows.length > 0) {
      await client.query('ROLLBACK');
      return { outcome: 'refused', resealed: 0, current: 0, message: `${where}: a gateway holds the lease (${live.rows[0]!.holder}); stop it first` };
    }
    const rows = (await client.query<KvRow>('SELECT bridge, key, value FROM bridge_kv')).rows;
    const r = rotateRows(rows, oldKey, newKey);
    if (r.problems.length === 0) {
      for (const u of r.updates) await client.query('UPDATE bridge_kv SET value = $1 WHERE bridge = $2 AND key = $3', [u.value, u.bridge, u.key]);
    }
    await client.query(r.problems.length === 0 ? 'COMMIT' : 'ROLLBACK');
    return summary(r, where, oldKey, newKey);
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
    await pool.end();
  }
}
