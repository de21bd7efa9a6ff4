// `switchboard migrate-store` (the built CLI) copies a SQLite store into a real PostgreSQL:
// every table with its state, idempotent, refusing a target that holds something else.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../src/core/postgres/store.js';
import { openSqliteStore } from '../../src/core/sqlite/store.js';
import { CLI, requireBuild } from '../helpers/gateway.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres.js';

const exec = promisify(execFile);
let server: PostgresServer;

async function cli(...args: string[]): Promise<{ code: number; out: string }> {
  try {
    const r = await exec(process.execPath, [CLI, 'migrate-store', ...args]);
    return { code: 0, out: r.stdout + r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}

function sqliteFixture(): { path: string; ids: { pending: number; done: number; dead: number } } {
  const path = join(mkdtempSync(join(tmpdir(), 'sb-migrate-')), 'old.sqlite');
  const s = openSqliteStore({ path, synchronous: 'normal' });
  const base = { direction: 'out' as const, bridge: 'sms', user: 'a@x', payload: '{}' };
  const pending = s.outbox.enqueue({ ...base, okey: 'a', dedupe: 'm1' }, 100).id;
  const done = s.outbox.enqueue({ ...base, okey: 'b', dedupe: 'm2' }, 100).id;
  const dead = s.outbox.enqueue({ ...base, okey: 'c' }, 100).id;
  s.outbox.retryLater(pending, 5000, 'twilio 503', 200);
  s.outbox.markDone(done, 300);
  s.outbox.markDead(dead, 'invalid number', 400);
  s.kv('sms').set('number:+1555', { user: 'a@x' });
  s.messages('sms').put({ user: 'a@x', xmppId: 'x1', networkId: 'SM1', peer: '+1555' });
  s.users.touch('sms', 'a@x', 10);
  s.subscriptions.add('sms', 'a@x', '+1555');
  s.close();
  return { path, ids: { pending, done, dead } };
}

beforeAll(async () => {
  requireBuild();
  server = await startPostgres({ fsync: false });
});
afterAll(async () => {
  await server?.stop();
});

describe('switchboard migrate-store', () => {
  it('copies every table with its state; a second run changes nothing', async () => {
    const { path, ids } = sqliteFixture();
    const url = await server.createDatabase();
    const first = await cli('--from', path, '--to', url);
    expect(first.code, first.out).toBe(0);
    expect(first.out).toMatch(/copied outbox: 3/);
    const again = await cli('--from', path, '--to', url);
    expect(again.code, again.out).toBe(0);
    expect(again.out).toMatch(/nothing to do/);

    const s = await openPostgresStore({ url });
    try {
      expect(s.outbox.get(ids.pending)).toMatchObject({ state: 'pending', attempts: 1, nextAt: 5000, lastError: 'twilio 503' });
      expect(s.outbox.get(ids.done)).toMatchObject({ state: 'done' });
      expect(s.outbox.get(ids.dead)).toMatchObject({ state: 'dead', lastError: 'invalid number' });
      // Dedupe keys came along: the same message is still a duplicate.
      expect(s.outbox.enqueue({ direction: 'out', bridge: 'sms', user: 'a@x', okey: 'a', dedupe: 'm1', payload: '{}' }, 500)).toEqual({ id: ids.pending, duplicate: true });
      // New rows do not reuse the copied ids.
      expect(s.outbox.enqueue({ direction: 'out', bridge: 'sms', user: 'a@x', okey: 'z', payload: '{}' }, 500).id).toBeGreaterThan(ids.dead);
      expect(s.kv('sms').get('number:+1555')).toEqual({ user: 'a@x' });
      expect(s.messages('sms').byNetworkId('SM1')).toMatchObject({ xmppId: 'x1', peer: '+1555' });
      expect(s.users.list('sms')).toMatchObject([{ user: 'a@x', firstSeen: 10 }]);
      expect(s.subscriptions.list('sms')).toEqual([{ user: 'a@x', localpart: '+1555' }]);
    } finally {
      s.close();
      await s.closed();
    }
  });

  it('refuses a target that holds other data unless --force, then replaces it', async () => {
    const { path } = sqliteFixture();
    const url = await server.createDatabase();
    const other = await openPostgresStore({ url });
    other.kv('irc').set('other', 1);
    await other.flush();
    other.close();
    await other.closed();
    const refused = await cli('--from', path, '--to', url);
    expect(refused.code).toBe(1);
    expect(refused.out).toMatch(/not empty.*--force/);
    const forced = await cli('--from', path, '--to', url, '--force');
    expect(forced.code, forced.out).toBe(0);
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      expect((await c.query(`SELECT count(*)::int AS n FROM bridge_kv WHERE bridge = 'irc'`)).rows[0]).toEqual({ n: 0 });
      expect((await c.query(`SELECT state FROM outbox ORDER BY id`)).rows.map((r: { state: string }) => r.state)).toEqual(['pending', 'done', 'dead']);
    } finally {
      await c.end();
    }
  });

  it('refuses, even with --force, a target a gateway is running on (a live lease)', async () => {
    const { path } = sqliteFixture();
    const url = await server.createDatabase();
    expect((await cli('--from', path, '--to', url)).code).toBe(0);
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query(`INSERT INTO switchboard_lease VALUES ('switchboard', 'host:1:abc', 1, now(), now() + interval '1 minute')`);
    await c.end();
    const r = await cli('--from', path, '--to', url, '--force');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/holds the lease/);
  });
});
