import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate, openSqliteStore } from '../../src/core/sqlite/store.js';

/**
 * SQLite 3.53 with STAT4 (better-sqlite3's build) plans with the value bound to a bare LIMIT or
 * OFFSET parameter, so binding it expires the statement and every call compiles it again
 * (~35 µs per call of the outbox's key-chain query, once per message). See LIMIT in
 * src/core/sqlite/outbox-repo.ts.
 */
describe('SQLite statements', () => {
  it('bind no row count to a bare LIMIT or OFFSET parameter', () => {
    const db = new Database(':memory:');
    migrate(db);
    const prepared: string[] = [];
    const prepare = db.prepare.bind(db);
    db.prepare = ((sql: string) => (prepared.push(sql), prepare(sql))) as typeof db.prepare;
    const store = openSqliteStore({ path: ':memory:', synchronous: 'normal', database: db });
    expect(prepared.filter((sql) => /\bLIMIT\b/.test(sql)).length).toBeGreaterThan(3);
    expect(prepared.filter((sql) => /\b(LIMIT|OFFSET)\s+[?@:$]\w*(?=\s*($|[),;]|OFFSET\b))/i.test(sql))).toEqual([]);
    store.close();
  });

  it('still honour the limits', () => {
    const store = openSqliteStore({ path: ':memory:', synchronous: 'normal' });
    for (let i = 0; i < 5; i++) store.outbox.enqueue({ direction: 'in', bridge: 'b', user: 'u@x', okey: 'k', payload: `{"n":${i}}` }, 0);
    expect(store.outbox.dueFor('b', 'in', 'k', 0, 3).map((r) => r.payload)).toEqual(['{"n":0}', '{"n":1}', '{"n":2}']);
    expect(store.outbox.due('b', 'in', 0, new Set(), 10, 2)).toHaveLength(1);
    expect(store.outbox.list('b', {}, 4)).toHaveLength(4);
    expect(store.outbox.dueHeads('b', 'in', 0, 1)).toEqual([{ okey: 'k', nextAt: 0 }]);
    store.close();
  });
});
