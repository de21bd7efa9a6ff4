import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createBridgeContext } from '../../src/core/context.js';
import { openSqliteStore } from '../../src/core/sqlite/store.js';
import type { BridgeHttp } from '../../src/core/bridge.js';

function setup() {
  const store = openSqliteStore({ path: ':memory:', synchronous: 'normal' });
  let flushes = 0;
  const flush = store.flush.bind(store);
  store.flush = () => {
    flushes++;
    return flush();
  };
  const kicked: string[] = [];
  const ctx = createBridgeContext({
    id: 'b',
    domain: 'b.example',
    store,
    log: pino({ level: 'silent' }),
    http: {} as BridgeHttp,
    metrics: { count: () => undefined, include: () => undefined },
    signal: new AbortController().signal,
    clock: { now: () => Date.now() },
    isAllowed: () => true,
    isAdmin: () => false,
    onEnqueued: (_direction, okey) => void kicked.push(okey),
    onHealth: () => undefined,
    queryUser: () => Promise.resolve({}),
  });
  return { store, ctx, kicked, flushes: () => flushes };
}

const event = { kind: 'message' as const, user: 'a@x', from: 'peer', type: 'chat' as const, body: 'hi' };

describe('bridge context deliver', () => {
  it('waits for a durable commit by default, and not with durable: false (IRC)', async () => {
    const { ctx, store, kicked, flushes } = setup();
    await ctx.deliver(event);
    expect(flushes()).toBe(1);
    await ctx.deliver(event, { durable: false, orderingKey: 'k' });
    expect(flushes()).toBe(1);
    // Stored all the same, and the lane was told at once, with the ordering key.
    expect(store.outbox.stats('b').pending).toBe(2);
    expect(kicked).toEqual(['a@x|peer', 'k']);
    store.close();
  });

  it('refuses a user that is not a bare JID', async () => {
    const { ctx, store } = setup();
    await expect(ctx.deliver({ ...event, user: 'a@x/r' })).rejects.toThrow(/bare JID/);
    store.close();
  });
});
