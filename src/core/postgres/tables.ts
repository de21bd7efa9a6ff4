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

const q = (c: string) => `"${c}"`;
/** Rows per statement. */
const CHUNK = 5000;

/** One statement and its parameters, to send as it is or pipelined with others (pg-commit.ts). */
export interface Statement {
  sql: string;
  params: unknown[];
}

/**
 * Insert or replace whole rows: one statement per table and chunk, the rows as one JSON parameter
 * read by `json_populate_recordset` over the table's own row type. V8 serialises the rows
 * natively; a text array per column (`unnest`) cost pg an escape per element in JavaScript,
 * about 2.5 times the client CPU for the same PostgreSQL work (bench/store.ts, issue 14).
 */
export function upsertStatements(table: TableSpec, rows: readonly Row[]): Statement[] {
  const cols = Object.keys(table.columns).map(q).join(', ');
  const rest = Object.keys(table.columns).filter((c) => !table.key.includes(c));
  const update = rest.length > 0 ? `DO UPDATE SET ${rest.map((c) => `${q(c)} = excluded.${q(c)}`).join(', ')}` : 'DO NOTHING';
  const sql = `INSERT INTO ${table.name} (${cols})
    SELECT ${cols} FROM json_populate_recordset(NULL::${table.name}, $1::json)
    ON CONFLICT (${table.key.map(q).join(', ')}) ${update}`;
  const out: Statement[] = [];
  for (let i = 0; i < rows.length; i += CHUNK) out.push({ sql, params: [JSON.stringify(rows.slice(i, i + CHUNK))] });
  return out;
}

export async function upsertRows(client: pg.ClientBase, table: TableSpec, rows: readonly Row[]): Promise<void> {
  for (const s of upsertStatements(table, rows)) await client.query(s.sql, s.params);
}

/** Delete rows by key, each key column one array parameter (`unnest`). */
export function deleteStatements(table: TableSpec, keys: readonly SqlValue[][]): Statement[] {
  const sql = `DELETE FROM ${table.name} WHERE (${table.key.map(q).join(', ')}) IN
    (SELECT * FROM unnest(${table.key.map((c, i) => `$${i + 1}::${table.columns[c]}[]`).join(', ')}))`;
  const out: Statement[] = [];
  for (let i = 0; i < keys.length; i += CHUNK) {
    const chunk = keys.slice(i, i + CHUNK);
    out.push({ sql, params: table.key.map((_c, j) => chunk.map((k) => k[j] ?? null)) });
  }
  return out;
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

/**
 * A reader of rows of a SQLite table by key: the rows still there, and the keys that are gone.
 * A table with a one-column key (the outbox) is read with one statement for all the keys
 * (`json_each`), not one call per row: the commit's snapshot is taken synchronously, on the
 * event loop, so its cost per row is paid by everything else the process does.
 */
export function sqliteRowsReader(db: Database.Database, table: TableSpec): (keys: readonly SqlValue[][]) => { rows: Row[]; gone: SqlValue[][] } {
  const cols = Object.keys(table.columns);
  const one = db.prepare(`SELECT ${cols.map(q).join(', ')} FROM ${table.name} WHERE ${table.key.map((c) => `${q(c)} = ?`).join(' AND ')}`);
  if (table.key.length !== 1) {
    return (keys) => {
      const rows: Row[] = [];
      const gone: SqlValue[][] = [];
      for (const key of keys) {
        const row = one.get(...key) as Row | undefined;
        if (row) rows.push(row);
        else gone.push([...key]);
      }
      return { rows, gone };
    };
  }
  const k = table.key[0]!;
  const many = db.prepare(`SELECT ${cols.map(q).join(', ')} FROM ${table.name} WHERE ${q(k)} IN (SELECT value FROM json_each(?))`);
  return (keys) => {
    const rows = many.all(JSON.stringify(keys.map((key) => key[0]))) as Row[];
    if (rows.length === keys.length) return { rows, gone: [] };
    const found = new Set(rows.map((r) => r[k]));
    return { rows, gone: keys.filter((key) => !found.has(key[0]!)).map((key) => [...key]) };
  };
}
