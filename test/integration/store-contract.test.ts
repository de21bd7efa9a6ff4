/**
 * The store contract (design.md §5): one suite, run on the embedded SQLite store and on the
 * PostgreSQL store (a real PostgreSQL started by the suite with initdb, test/helpers/postgres.ts).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../src/core/postgres/store.js';
import { openSqliteStore } from '../../src/core/sqlite/store.js';
import type { EnqueueItem, Store } from '../../src/core/store.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { waitFor } from '../helpers/wait.js';

interface Backend {
  name: string;
  /** A new, empty location (a file, a database). */
  fresh(): Promise<string>;
  open(where: string): Promise<Store>;
  close(store: Store): Promise<void>;
}

let pgServer: PostgresServer | undefined;
const sqlite: Backend = {
  name: 'SQLite',
  fresh: async () => join(mkdtempSync(join(tmpdir(), 'sb-contract-')), 'db.sqlite'),
  open: async (path) => openSqliteStore({ path, synchronous: 'full' }),
  close: async (s) => s.close(),
};
const postgres: Backend = {
  name: 'PostgreSQL',
  fresh: async () => pgServer!.createDatabase(),
  open: (url) => openPostgresStore({ url }),
  close: async (s) => {
    s.close();
    await ('closed' in s && typeof s.closed === 'function' ? (s.closed as () => Promise<void>)() : undefined);
  },
};

beforeAll(async () => {
  pgServer = await startPostgres({ fsync: false });
});
afterAll(async () => {
  await pgServer?.stop();
});

const item = (okey: string, dedupe?: string, user = 'a@x'): EnqueueItem => ({
  direction: 'out', bridge: 'irc', user, okey, payload: JSON.stringify({ okey, dedupe }), ...(dedupe ? { dedupe } : {}),
});

describe.each([sqlite, postgres])('store contract on $name', (backend) => {
  const open: Store[] = [];
  let where = '';
  const openStore = async () => {
    const s = await backend.open(where);
    open.push(s);
    return s;
  };
  /** Read through a second store instance: what is committed, not what one process has in memory. */
  const peek = async <T>(read: (s: Store) => T): Promise<T> => {
    const s = await backend.open(where);
    try {
      return read(s);
    } finally {
      await backend.close(s);
    }
  };
  const reopen = async (s: Store) => {
    await backend.close(s);
    open.splice(open.indexOf(s), 1);
    return openStore();
  };
  afterEach(async () => {
    for (const s of open.splice(0)) await backend.close(s);
  });

  it('dedupes by key, also after a restart, until the done row is pruned', async () => {
    where = await backend.fresh();
    let s = await openStore();
    const a = s.outbox.enqueue(item('k', 'm1'), 1000);
    expect(s.outbox.enqueue(item('k', 'm1'), 1001)).toEqual({ id: a.id, duplicate: true });
    await s.flush();
    s = await reopen(s);
    expect(s.outbox.enqueue(item('k', 'm1'), 1002)).toEqual({ id: a.id, duplicate: true });
    s.outbox.markDone(a.id, 2000);
    expect(s.outbox.prune(3000)).toBe(1);
    await s.flush();
    s = await reopen(s);
    expect(s.outbox.get(a.id)).toBeUndefined();
    expect(s.outbox.enqueue(item('k', 'm1'), 4000).duplicate).toBe(false);
  });

  it('hands out one conversation in order and others in parallel, skipping busy ones', async () => {
    where = await backend.fresh();
    const s = await openStore();
    const a1 = s.outbox.enqueue(item('a'), 10).id;
    const b1 = s.outbox.enqueue(item('b'), 10).id;
    const a2 = s.outbox.enqueue(item('a'), 10).id;
    const chains = s.outbox.due('irc', 'out', 10, new Set(), 10, 5);
    expect(chains.map((c) => c.map((r) => r.id))).toEqual([[a1, a2], [b1]]);
    expect(s.outbox.due('irc', 'out', 10, new Set(['a']), 10).map((c) => c[0]!.id)).toEqual([b1]);
    s.outbox.retryLater(a1, 500, 'timeout', 11);
    expect(s.outbox.dueFor('irc', 'out', 'a', 100, 5)).toEqual([]); // a2 waits behind a1
    expect(s.outbox.nextDueAt('irc', 'out', 100)).toBe(500);
    s.outbox.markDone(a1, 600);
    expect(s.outbox.dueFor('irc', 'out', 'a', 600, 5).map((r) => r.id)).toEqual([a2]);
    expect(s.outbox.dueHeads('irc', 'out', 600, 10).map((h) => h.okey).sort()).toEqual(['a', 'b']);
  });

  it('keeps every state across a restart: pending stays pending, attempts and errors kept', async () => {
    where = await backend.fresh();
    let s = await openStore();
    const p = s.outbox.enqueue(item('p'), 1).id;
    const d = s.outbox.enqueue(item('d'), 1).id;
    const x = s.outbox.enqueue(item('x'), 1).id;
    const dl = s.outbox.enqueue({ ...item('z'), dead: 'no route' }, 1).id;
    await s.flush(); // each change below then needs a commit of its own
    s.outbox.retryLater(p, 99, 'busy', 2);
    s.outbox.markDone(d, 3, 'reported');
    s.outbox.markDead(x, 'gave up', 4);
    await s.flush();
    s = await reopen(s);
    expect(s.outbox.get(p)).toMatchObject({ state: 'pending', attempts: 1, nextAt: 99, lastError: 'busy' });
    expect(s.outbox.get(d)).toMatchObject({ state: 'done', attempts: 1, lastError: 'reported' });
    expect(s.outbox.get(x)).toMatchObject({ state: 'dead', lastError: 'gave up' });
    expect(s.outbox.get(dl)).toMatchObject({ state: 'dead', lastError: 'no route' });
    expect(s.outbox.stats('irc')).toEqual({ pending: 1, dead: 2, oldestPendingAt: 1 });
    expect(s.outbox.deadLetters('irc', 10).map((r) => r.id)).toEqual([x, dl]);
    expect(s.outbox.revive(x, 5)).toBe(true);
    expect(s.outbox.discard(dl)).toBe(true);
    expect(s.outbox.reopen(d, 7, 'bounced', 6)).toBe(true);
    expect(s.outbox.reopen(d, 7, 'bounced', 6)).toBe(false);
    s.outbox.retryLater(p, 10_000, 'offline', 8);
    expect(s.outbox.expedite('irc', 'out', 'a@x', 9)).toBe(1);
    await s.flush();
    s = await reopen(s);
    expect(s.outbox.get(x)).toMatchObject({ state: 'pending', attempts: 0 });
    expect(s.outbox.get(dl)).toBeUndefined();
    expect(s.outbox.get(d)).toMatchObject({ state: 'pending', nextAt: 7, lastError: 'bounced' });
    expect(s.outbox.get(p)).toMatchObject({ nextAt: 9 });
    expect(s.outbox.list('irc', { state: 'pending' }, 10).map((r) => r.id)).toEqual([p, d, x]);
  });

  it('keeps text exactly across a restart: quotes, backslashes, controls, non-BMP and JSON-looking values', async () => {
    // The PostgreSQL store sends rows as JSON (src/core/postgres/dirty-rows.ts): escaping must round-trip.
    const odd = 'q"uote \\back\\slash\n\ttab \u0001 \u2028 😀 {"not":"json"} [1,2] null \\u0041 é';
    where = await backend.fresh();
    let s = await openStore();
    const a = s.outbox.enqueue({ direction: 'in', bridge: 'irc', user: `u${odd}@x`, okey: odd, dedupe: odd, payload: odd }, 1).id;
    const b = s.outbox.enqueue({ direction: 'out', bridge: 'irc', user: 'a@x', okey: 'k', payload: '{"body":"x"}' }, 1).id;
    s.kv('irc').set(odd, { text: odd });
    await s.flush();
    s.outbox.retryLater(b, 50, odd, 2);
    await s.flush();
    s = await reopen(s);
    expect(s.outbox.get(a)).toMatchObject({ user: `u${odd}@x`, okey: odd, dedupe: odd, payload: odd });
    expect(s.outbox.get(b)).toMatchObject({ payload: '{"body":"x"}', dedupe: null, lastError: odd, nextAt: 50 });
    expect(s.kv('irc').get(odd)).toEqual({ text: odd });
    expect(s.outbox.enqueue({ direction: 'in', bridge: 'irc', user: 'a@x', okey: 'k', dedupe: odd, payload: '{}' }, 3)).toEqual({ id: a, duplicate: true });
  });

  it('what flush() acknowledged is committed: another instance reads it at once', async () => {
    where = await backend.fresh();
    const s = await openStore();
    const id = s.outbox.enqueue(item('k', 'SM1'), 5).id;
    s.kv('sms').set('number:+1555', { user: 'a@x' });
    await s.flush();
    expect(await peek((r) => [r.outbox.get(id)?.state, r.kv('sms').get('number:+1555')])).toEqual(['pending', { user: 'a@x' }]);
  });

  it('commits a write nobody waits for (durable: false) without a flush', async () => {
    where = await backend.fresh();
    const s = await openStore();
    const id = s.outbox.enqueue(item('k', 'lazy'), 5).id;
    await waitFor(() => peek((r) => r.outbox.get(id) !== undefined), 'the unflushed row committed', 5000);
  });

  it('keeps key/value, message map, users and subscriptions across a restart', async () => {
    where = await backend.fresh();
    let s = await openStore();
    s.kv('sms').set('a%b', 1);
    s.kv('sms').set('axb', 2);
    s.kv('sms').set('gone', 3);
    s.subscriptions.add('sms', 'a@x', '+1666');
    await s.flush();
    s.kv('sms').delete('gone');
    s.messages('sms').put({ user: 'a@x', xmppId: 'm1', networkId: 'SM1', peer: '+1555', resource: 'phone' });
    s.users.touch('sms', 'a@x', 10);
    s.users.touch('sms', 'a@x', 20);
    s.subscriptions.add('sms', 'a@x', '+1555');
    s.subscriptions.remove('sms', 'a@x', '+1666');
    await s.flush();
    s = await reopen(s);
    expect(s.kv('sms').list('a%')).toEqual([{ key: 'a%b', value: 1 }]);
    expect(s.kv('sms').get('gone')).toBeUndefined();
    expect(s.messages('sms').byNetworkId('SM1')).toMatchObject({ user: 'a@x', xmppId: 'm1', peer: '+1555', resource: 'phone' });
    expect(s.users.list('sms')).toEqual([{ bridge: 'sms', user: 'a@x', firstSeen: 10, lastSeen: 20 }]);
    expect(s.subscriptions.list('sms')).toEqual([{ user: 'a@x', localpart: '+1555' }]);
  });

  it('keeps the bounce correlation across a restart, forgets and prunes it (window, then max entries)', async () => {
    where = await backend.fresh();
    let s = await openStore();
    s.bounces.track('sms', 'a@x', 's1', { rowId: 1, at: 100, toResource: 'phone' });
    s.bounces.track('sms', 'a@x', 's2', { rowId: 2, at: 200 });
    s.bounces.track('sms', 'a@x', 's3', { rowId: 3, at: 300 });
    s.bounces.track('sms', 'a@x', 's4', { rowId: 4, at: 400 });
    s.bounces.track('email', 'a@x', 's1', { rowId: 9, at: 100 });
    await s.flush();
    s.bounces.forget('sms', 'a@x', 's2');
    // Older than 150 goes (s1), then all but the 1 newest (s3).
    expect(s.bounces.prune('sms', 150, 1)).toBe(2);
    await s.flush();
    s = await reopen(s);
    expect(s.bounces.find('sms', 'a@x', 's4')).toEqual({ rowId: 4, at: 400 });
    expect(['s1', 's2', 's3'].map((id) => s.bounces.find('sms', 'a@x', id))).toEqual([undefined, undefined, undefined]);
    expect(s.bounces.find('email', 'a@x', 's1')).toEqual({ rowId: 9, at: 100 });
    expect(await peek((p) => p.bounces.count('sms'))).toBe(1);
  });
});
