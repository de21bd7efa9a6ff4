/**
 * What a commit to PostgreSQL writes of one table (pg-commit.ts): the dirty rows as the working
 * set has them at the commit's instant, read synchronously on the event loop. SQLite writes them
 * as the JSON that `json_populate_recordset` reads (tables.ts), so no row becomes a JavaScript
 * object on the way: making objects of the rows and serialising them cost about 2.5 times as much
 * CPU per row, paid by everything else the process does in that turn (measured, issue 14).
 */
import type Database from 'better-sqlite3';
import { q, type SqlValue, type TableSpec } from './tables.js';

export interface DirtyRows {
  /** The rows still there: a JSON array of objects, column name → value. */
  json: string;
  /** Their keys. */
  present: ReadonlyArray<readonly SqlValue[]>;
  /** Keys of rows that are gone from the working set: deleted in PostgreSQL. */
  gone: ReadonlyArray<readonly SqlValue[]>;
}

export function dirtyRowsReader(db: Database.Database, table: TableSpec): (keys: readonly SqlValue[][]) => DirtyRows {
  const object = `json_object(${Object.keys(table.columns).map((c) => `'${c}', ${q(c)}`).join(', ')})`;
  if (table.key.length !== 1) {
    // Keys of several columns (the small tables): one lookup each.
    const one = db.prepare(`SELECT ${object} FROM ${table.name} WHERE ${table.key.map((c) => `${q(c)} = ?`).join(' AND ')}`).pluck();
    return (keys) => {
      const rows: string[] = [];
      const present: Array<readonly SqlValue[]> = [];
      const gone: Array<readonly SqlValue[]> = [];
      for (const key of keys) {
        const row = one.get(...key) as string | undefined;
        if (row === undefined) {
          gone.push(key);
        } else {
          rows.push(row);
          present.push(key);
        }
      }
      return { json: `[${rows.join(',')}]`, present, gone };
    };
  }
  // The outbox: one statement for every key.
  const k = q(table.key[0]!);
  const ids = `${k} IN (SELECT value FROM json_each(?))`;
  const all = db.prepare(`SELECT count(*) AS n, json_group_array(${object}) AS json FROM ${table.name} WHERE ${ids}`);
  const found = db.prepare(`SELECT ${k} FROM ${table.name} WHERE ${ids}`).pluck();
  return (keys) => {
    const list = JSON.stringify(keys.map((key) => key[0]));
    const { n, json } = all.get(list) as { n: number; json: string };
    if (n === keys.length) return { json, present: keys, gone: [] };
    const there = new Set(found.all(list) as SqlValue[]);
    const present: Array<readonly SqlValue[]> = [];
    const gone: Array<readonly SqlValue[]> = [];
    for (const key of keys) (there.has(key[0]!) ? present : gone).push([...key]);
    return { json, present, gone };
  };
}
