/**
 * The tables the PostgreSQL store mirrors from its in-memory working set, with their keys and
 * PostgreSQL column types (every parameter is cast, so that one statement serves every table).
 * `migrate-store` copies the same tables.
 */
import type Database from 'better-sqlite3';
import type pg from 'pg';

export interface TableSpec {
  name: string;
  /** Column name → PostgreSQL type. */
  columns: Readonly<Record<string, string>>;
  key: readonly string[];
}

export const TABLES: readonly TableSpec[] = [
  {
    name: 'outbox',
    columns: {
      id: 'bigint', direction: 'text', bridge: 'text', user: 'text', okey: 'text', dedupe: 'text', payload: 'text', state: 'text',
      attempts: 'integer', next_at: 'bigint', created_at: 'bigint', updated_at: 'bigint', last_error: 'text',
    },
    key: ['id'],
  },
  {
    name: 'message_map',
    columns: { bridge: 'text', user: 'text', xmpp_id: 'text', network_id: 'text', peer: 'text', thread: 'text', created_at: 'bigint', resource: 'text' },
    key: ['bridge', 'user', 'xmpp_id'],
  },
  { name: 'bridge_kv', columns: { bridge: 'text', key: 'text', value: 'text' }, key: ['bridge', 'key'] },
  { name: 'registrations', columns: { bridge: 'text', user: 'text', first_seen: 'bigint', last_seen: 'bigint' }, key: ['bridge', 'user'] },
  { name: 'subscriptions', columns: { bridge: 'text', user: 'text', localpart: 'text' }, key: ['bridge', 'user', 'localpart'] },
];

export type SqlValue = string | number | null;
export type Row = Record<string, SqlValue>;

const q = (c: string) => `"${c}"`;
/** Rows per statement: well under PostgreSQL's 65535 parameters. */
const CHUNK = 500;

/** Insert or replace whole rows. */
export async function upsertRows(client: pg.ClientBase, table: TableSpec, rows: readonly Row[]): Promise<void> {
  const cols = Object.keys(table.columns);
  const rest = cols.filter((c) => !table.key.includes(c));
  for (let i = 0; i < rows.length; i += CHUNK) {
    const chunk = rows.slice(i, i + CHUNK);
    const params: SqlValue[] = [];
    const tuples = chunk.map((row) => `(${cols.map((c) => {
      params.push(row[c] ?? null);
      return `$${params.length}::${table.columns[c]}`;
    }).join(', ')})`);
    const update = rest.length > 0 ? `DO UPDATE SET ${rest.map((c) => `${q(c)} = excluded.${q(c)}`).join(', ')}` : 'DO NOTHING';
    await client.query(
      `INSERT INTO ${table.name} (${cols.map(q).join(', ')}) VALUES ${tuples.join(', ')} ON CONFLICT (${table.key.map(q).join(', ')}) ${update}`,
      params,
    );
  }
}

/** Delete rows by key. */
export async function deleteKeys(client: pg.ClientBase, table: TableSpec, keys: readonly SqlValue[][]): Promise<void> {
  for (let i = 0; i < keys.length; i += CHUNK) {
    const chunk = keys.slice(i, i + CHUNK);
    const params: SqlValue[] = [];
    const tuples = chunk.map((key) => `(${table.key.map((c, j) => {
      params.push(key[j] ?? null);
      return `$${params.length}::${table.columns[c]}`;
    }).join(', ')})`);
    await client.query(`DELETE FROM ${table.name} WHERE (${table.key.map(q).join(', ')}) IN (VALUES ${tuples.join(', ')})`, params);
  }
}

/** Every row of a table in PostgreSQL. */
export async function readAllPg(client: pg.ClientBase, table: TableSpec): Promise<Row[]> {
  const cols = Object.keys(table.columns);
  const r = await client.query<Row>(`SELECT ${cols.map(q).join(', ')} FROM ${table.name}`);
  return r.rows;
}

/** Load rows into a SQLite database with the same table. */
export function insertSqlite(db: Database.Database, table: TableSpec, rows: readonly Row[]): void {
  const cols = Object.keys(table.columns);
  const insert = db.prepare(`INSERT INTO ${table.name} (${cols.map(q).join(', ')}) VALUES (${cols.map((c) => `@${c}`).join(', ')})`);
  db.transaction(() => {
    for (const row of rows) insert.run(row);
  })();
}

/** A reader of one row of a SQLite table by key (undefined when gone). */
export function sqliteRowReader(db: Database.Database, table: TableSpec): (key: readonly SqlValue[]) => Row | undefined {
  const cols = Object.keys(table.columns);
  const stmt = db.prepare(`SELECT ${cols.map(q).join(', ')} FROM ${table.name} WHERE ${table.key.map((c) => `${q(c)} = ?`).join(' AND ')}`);
  return (key) => stmt.get(...key) as Row | undefined;
}
