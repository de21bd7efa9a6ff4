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
  {
    name: 'bounce_track',
    columns: { bridge: 'text', user: 'text', stanza_id: 'text', row_id: 'bigint', to_resource: 'text', at: 'bigint' },
    key: ['bridge', 'user', 'stanza_id'],
  },
];

export type SqlValue = string | number | null;
export type Row = Record<string, SqlValue>;

export const q = (c: string) => `"${c}"`;
/** Rows per statement. */
const CHUNK = 5000;

/** One statement and its parameters, to send as it is or pipelined with others (pg-commit.ts). */
export interface Statement {
  /** Prepared once per connection under this name: PostgreSQL parses and plans it only once. */
  name: string;
  text: string;
  values: unknown[];
}

/**
 * Insert or replace whole rows given as a JSON array of objects (column → value), read by
 * `json_populate_recordset` over the table's own row type. The working set writes that JSON
 * itself (dirty-rows.ts), so a row becomes no JavaScript object on its way to PostgreSQL; a text
 * array per column (`unnest`) cost pg an escape per element in JavaScript.
 */
export function upsertJson(table: TableSpec, json: string): Statement {
  const cols = Object.keys(table.columns).map(q).join(', ');
  const rest = Object.keys(table.columns).filter((c) => !table.key.includes(c));
  const update = rest.length > 0 ? `DO UPDATE SET ${rest.map((c) => `${q(c)} = excluded.${q(c)}`).join(', ')}` : 'DO NOTHING';
  const text = `INSERT INTO ${table.name} (${cols})
    SELECT ${cols} FROM json_populate_recordset(NULL::${table.name}, $1::json)
    ON CONFLICT (${table.key.map(q).join(', ')}) ${update}`;
  return { name: `switchboard_upsert_${table.name}`, text, values: [json] };
}

/** Insert or replace whole rows: one statement per chunk of rows. */
export async function upsertRows(client: pg.ClientBase, table: TableSpec, rows: readonly Row[]): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) await client.query(upsertJson(table, JSON.stringify(rows.slice(i, i + CHUNK))));
}

/** Delete rows by key, each key column one array parameter (`unnest`). */
export function deleteKeys(table: TableSpec, keys: ReadonlyArray<readonly SqlValue[]>): Statement {
  const text = `DELETE FROM ${table.name} WHERE (${table.key.map(q).join(', ')}) IN
    (SELECT * FROM unnest(${table.key.map((c, i) => `$${i + 1}::${table.columns[c]}[]`).join(', ')}))`;
  return { name: `switchboard_delete_${table.name}`, text, values: table.key.map((_c, j) => keys.map((k) => k[j] ?? null)) };
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
