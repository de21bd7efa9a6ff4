/**
 * `switchboard migrate-store --from FILE.sqlite --to postgres://…`: copy every table of a SQLite
 * store into a PostgreSQL store with its state (pending items stay pending, dead letters stay
 * dead, dedupe keys and ids kept), in one transaction. Idempotent: a target that already holds
 * exactly the source is left alone. A target holding anything else is refused unless `force`
 * (then replaced), and a target with a live lease (a gateway running on it) is always refused.
 * Stop the gateway that uses the SQLite file first.
 */
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { migrate } from '../sqlite/store.js';
import { migratePg } from './migrations.js';
import { pgPool } from './store.js';
import { readAllPg, TABLES, upsertRows, type Row, type TableSpec } from './tables.js';

export interface MigrateStoreResult {
  outcome: 'copied' | 'unchanged' | 'refused';
  /** Rows per table in the source. */
  rows: Record<string, number>;
  message: string;
}

const canonical = (t: TableSpec, rows: readonly Row[]) =>
  JSON.stringify(rows.map((r) => Object.keys(t.columns).map((c) => r[c] ?? null)).sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1)));

function readSqlite(path: string): Map<string, Row[]> {
  if (!existsSync(path)) throw new Error(`${path}: no such file`);
  const db = new Database(path);
  try {
    migrate(db); // an older file gets the current schema first, as the gateway would do
    const cols = (t: TableSpec) =>
      Object.keys(t.columns)
        .map((c) => `"${c}"`)
        .join(', ');
    return new Map(TABLES.map((t) => [t.name, db.prepare(`SELECT ${cols(t)} FROM ${t.name}`).all() as Row[]]));
  } finally {
    db.close();
  }
}

export async function migrateStore(from: string, to: string, force: boolean): Promise<MigrateStoreResult> {
  const source = readSqlite(from);
  const rows = Object.fromEntries([...source].map(([name, r]) => [name, r.length]));
  const pool = pgPool(to, 1);
  const client = await pool.connect();
  try {
    await migratePg(client);
    await client.query('BEGIN');
    // No gateway may run on the target meanwhile: take the tables for ourselves.
    await client.query(`LOCK TABLE switchboard_lease, ${TABLES.map((t) => t.name).join(', ')} IN EXCLUSIVE MODE`);
    const live = await client.query<{ holder: string }>('SELECT holder FROM switchboard_lease WHERE expires_at > now()');
    if (live.rows.length > 0) {
      await client.query('ROLLBACK');
      return { outcome: 'refused', rows, message: `${to}: a gateway holds the lease (${live.rows[0]!.holder}); stop it first` };
    }
    const target = new Map<string, Row[]>();
    for (const t of TABLES) target.set(t.name, await readAllPg(client, t));
    const empty = [...target.values()].every((r) => r.length === 0);
    const same = TABLES.every((t) => canonical(t, source.get(t.name)!) === canonical(t, target.get(t.name)!));
    if (!empty && same) {
      await client.query('ROLLBACK');
      return { outcome: 'unchanged', rows, message: 'the target already holds exactly this store; nothing to do' };
    }
    if (!empty && !force) {
      await client.query('ROLLBACK');
      return { outcome: 'refused', rows, message: `${to} is not empty and differs from ${from}; pass --force to replace its contents` };
    }
    for (const t of TABLES) {
      await client.query(`DELETE FROM ${t.name}`);
      await upsertRows(client, t, source.get(t.name)!);
    }
    await client.query('COMMIT');
    return {
      outcome: 'copied',
      rows,
      message: `copied ${Object.entries(rows)
        .map(([n, c]) => `${n}: ${c}`)
        .join(', ')}`,
    };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
    await pool.end();
  }
}
