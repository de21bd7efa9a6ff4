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
      id: 'bigint',
      direction: 'text',
      bridge: 'text',
      user: 'text',
      okey: 'text',
      dedupe: 'text',
      payload: 'text',
      state: 'text',
      attempts: 'integer',
      next_at: 'bigint',
      created_at: 'bigint',
      updated_at: 'bigint',
      last_error: 'text',
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
  {
    name: 'bounce_track',
    columns: { bridge: 'text', user: 'text', stanza_id: 'text', row_id: 'bigint', to_resource: 'text', at: 'bigint' },
    key: ['bridge', 'user', 'stanza_id'],
  },
];

export type SqlValue = string | number | null;
export type Row = Record<string, SqlValue>;

const q = (c: string) => `"${c}"`;
/** Rows per statement. */
const CHUNK = 5000;

/**
 * Insert or replace whole rows: one statement per table and chunk, each column one array
 * parameter (`unnest`), so the cost of parsing and binding does not grow with the row count.
 */
export async function upsertRows(client: pg.ClientBase, table: TableSpec, rows: readonly Row[]): Promise<void> {
  const cols = Object.keys(table.columns);
  const rest = cols.filter((c) => !table.key.includes(c));
  const update = rest.length > 0 ? `DO UPDATE SET ${rest.map((c) => `${q(c)} = excluded.${q(c)}`).join(', ')}` : 'DO NOTHING';
  const sql = `INSERT INTO ${table.name} (${cols.map(q).join(', ')})
    SELECT * FROM unnest(${cols.map((c, i) => `$${i + 1}::${table.columns[c]}[]`).join(', ')})
    ON CONFLICT (${table.key.map(q).join(', ')}) ${update}`;
  for (let i = 0; i < rows.length; i += CHUNK) {
    const chunk = rows.slice(i, i + CHUNK);
    await client.query(
      sql,
      cols.map((c) => chunk.map((r) => r[c] ?? null)),
    );
  }
}

/** Delete rows by key. */
export async function deleteKeys(client: pg.ClientBase, table: TableSpec, keys: readonly SqlValue[][]): Promise<void> {
  const sql = `DELETE FROM ${table.name} WHERE (${table.key.map(q).join(', ')}) IN
    (SELECT * FROM unnest(${table.key.map((c, i) => `$${i + 1}::${table.columns[c]}[]`).join(', ')}))`;
  for (let i = 0; i < keys.length; i += CHUNK) {
    const chunk = keys.slice(i, i + CHUNK);
    await client.query(
      sql,
      table.key.map((_c, j) => chunk.map((k) => k[j] ?? null)),
    );
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
