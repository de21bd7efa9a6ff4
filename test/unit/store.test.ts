import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrations } from '../../src/core/sqlite/migrations.js';
import { migrate, openSqliteStore } from '../../src/core/sqlite/store.js';

describe('SQLite store', () => {
  it('migrates a new database to the latest user_version, and again is a no-op', () => {
    const db = new Database(':memory:');
    expect(migrate(db)).toBe(migrations.length);
    expect(db.pragma('user_version', { simple: true })).toBe(migrations.length);
    expect(migrate(db)).toBe(migrations.length);
    db.close();
  });

  it('keeps key/value rows through migration 4 (WITHOUT ROWID), and message-map lookups by network id use their index', () => {
    const db = new Database(':memory:');
    for (let v = 0; v < 3; v++) {
      db.exec(migrations[v]!);
      db.pragma(`user_version = ${v + 1}`);
    }
    db.prepare(`INSERT INTO bridge_kv (bridge, key, value) VALUES ('irc', 'k', '"v"')`).run();
    db.prepare(`INSERT INTO message_map (bridge, user, xmpp_id, network_id, peer, thread, created_at, resource) VALUES ('sms', 'a@x', 'm1', 'SM1', '+1', NULL, 5, 'phone')`).run();
    expect(migrate(db)).toBe(migrations.length);
    expect(db.prepare('SELECT value FROM bridge_kv WHERE bridge = ? AND key = ?').get('irc', 'k')).toEqual({ value: '"v"' });
    expect(db.prepare('SELECT network_id, resource FROM message_map WHERE bridge = ? AND network_id = ?').get('sms', 'SM1')).toEqual({ network_id: 'SM1', resource: 'phone' });
    const plan = db.prepare(`EXPLAIN QUERY PLAN SELECT * FROM message_map WHERE bridge = 'sms' AND network_id = 'SM1'`).all() as Array<{ detail: string }>;
    expect(plan.map((r) => r.detail).join()).toContain('message_map_network');
    db.close();
  });

  it('refuses a database from a newer Switchboard', () => {
    const db = new Database(':memory:');
    db.pragma(`user_version = ${migrations.length + 1}`);
    expect(() => migrate(db)).toThrow(/newer than this Switchboard/);
    db.close();
  });

  it('opens in WAL mode and keeps data across reopen', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'sb-store-')), 'db.sqlite');
    const a = openSqliteStore({ path, synchronous: 'full' });
    a.kv('sms').set('number:+1555', { user: 'a@x' });
    a.messages('sms').put({ user: 'a@x', xmppId: 'm1', networkId: 'SM1', peer: '+1555' });
    a.subscriptions.add('sms', 'a@x', '+1555');
    a.close();
    const b = openSqliteStore({ path, synchronous: 'full' });
    expect(b.kv('sms').get('number:+1555')).toEqual({ user: 'a@x' });
    expect(b.kv('sms').list('number:')).toHaveLength(1);
    expect(b.kv('email').get('number:+1555')).toBeUndefined();
    expect(b.messages('sms').byNetworkId('SM1')).toMatchObject({ user: 'a@x', xmppId: 'm1', peer: '+1555' });
    expect(b.messages('sms').byXmppId('a@x', 'm1')?.networkId).toBe('SM1');
    expect(b.subscriptions.list('sms')).toEqual([{ user: 'a@x', localpart: '+1555' }]);
    expect(b.writableProblem()).toBeUndefined();
    b.close();
  });

  it('treats % and _ in key/value prefixes literally', () => {
    const s = openSqliteStore({ path: ':memory:', synchronous: 'normal' });
    s.kv('b').set('a%b', 1);
    s.kv('b').set('axb', 2);
    expect(s.kv('b').list('a%').map((e) => e.key)).toEqual(['a%b']);
    s.close();
  });
});
