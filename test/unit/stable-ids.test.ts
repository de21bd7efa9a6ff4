// Issue 10: every attempt of one inbound item sends the same stanza ids (id, XEP-0359 origin-id
// and stanza-id), so a copy can be dropped; the ids are fixed by ctx.deliver before the commit.
// The lanes and the store are the real ones (SQLite in memory); `send` records the stanzas the
// component would write, and the bridge is a stub (nothing here reaches a network).
import type { Element } from 'ltx';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { Bridge, BridgeHttp, SendOptions } from '../../src/core/bridge.js';
import { BounceTracker } from '../../src/core/bounces.js';
import { createBridgeContext } from '../../src/core/context.js';
import { Delivery } from '../../src/core/delivery.js';
import { RetryableError } from '../../src/core/errors.js';
import type { Inbound } from '../../src/core/model.js';
import { OutboxLane } from '../../src/core/outbox.js';
import { openSqliteStore } from '../../src/core/sqlite/store.js';
import type { Store } from '../../src/core/store.js';
import { waitFor } from '../helpers/wait.js';

const log = pino({ level: 'silent' });
const retry = { maxAttempts: 5, baseDelayMs: 5, maxDelayMs: 20 };
let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

function setup(opts: { failFirstSends?: number } = {}) {
  const store: Store = openSqliteStore({ path: ':memory:', synchronous: 'normal' });
  const sent: Element[] = [];
  /** Every stanza written, those of failed attempts included. */
  const attempted: Element[] = [];
  const sendOptions: SendOptions[] = [];
  let failures = opts.failFirstSends ?? 0;
  const bridge = {
    send: (_event: unknown, options: SendOptions = {}) => {
      sendOptions.push(options);
      if (failures > 0) {
        failures--;
        return Promise.reject(new RetryableError('the network refused once'));
      }
      return Promise.resolve({});
    },
  } as unknown as Bridge;
  const lanes: Partial<Record<'in' | 'out', OutboxLane>> = {};
  const ctx = createBridgeContext({
    id: 'b',
    domain: 'b.example',
    store,
    log,
    http: {} as BridgeHttp,
    metrics: { count: () => undefined },
    signal: new AbortController().signal,
    clock: { now: () => Date.now() },
    isAllowed: () => true,
    isAdmin: () => false,
    onEnqueued: (direction, okey) => lanes[direction]?.kick(okey),
    onHealth: () => undefined,
    queryUser: () => Promise.resolve({}),
  });
  const tracker = new BounceTracker({ windowMs: 60_000, maxEntries: 100, now: () => Date.now() });
  const send = (el: Element): Promise<void> => {
    attempted.push(el);
    if (failures > 0) {
      failures--;
      return Promise.reject(new RetryableError('the XMPP server is not connected'));
    }
    sent.push(el);
    return Promise.resolve();
  };
  const delivery = new Delivery({ bridgeId: 'b', domain: 'b.example', bridge, ctx, store, log, send, now: () => Date.now(), bounces: { tracker, retry } });
  const laneOptions = { bridge: 'b', concurrency: 4, retry, now: () => Date.now(), log };
  const inLane = new OutboxLane(store.outbox, { ...laneOptions, direction: 'in' }, delivery.inHooks());
  const outLane = new OutboxLane(store.outbox, { ...laneOptions, direction: 'out' }, delivery.outHooks());
  lanes.in = inLane;
  lanes.out = outLane;
  cleanup.push(async () => {
    await inLane.stop();
    await outLane.stop();
    store.close();
  });
  return { store, ctx, delivery, sent, attempted, sendOptions, inLane, outLane };
}

const ids = (el: Element) => ({
  id: el.attrs.id as string | undefined,
  originId: el.getChild('origin-id', 'urn:xmpp:sid:0')?.attrs.id as string | undefined,
  stanzaId: el.getChild('stanza-id', 'urn:xmpp:sid:0')?.attrs.id as string | undefined,
});

const chat: Inbound = { kind: 'message', user: 'a@x', from: 'peer', type: 'chat', body: 'hi' };

describe('stable stanza ids of inbound items', () => {
  it('a retried attempt (the XMPP server was not connected) sends the id, origin-id and stanza-id of the first', async () => {
    const { ctx, sent, attempted, store } = setup({ failFirstSends: 2 });
    await ctx.deliver({ ...chat, stanzaId: 'arch-1' });
    await waitFor(() => sent.length === 1, 'the stanza after two failed attempts', 5000);
    expect(attempted).toHaveLength(3);
    const stored = JSON.parse(store.outbox.get(1)!.payload) as { ids: { id: string } };
    expect(stored.ids.id).toMatch(/\S{8,}/);
    for (const el of attempted) expect(ids(el)).toEqual({ id: stored.ids.id, originId: stored.ids.id, stanzaId: 'arch-1' });
  });

  it('a bounce retry sends the same id, origin-id and stanza-id as the attempt that bounced', async () => {
    const { ctx, delivery, sent, store, inLane } = setup();
    await ctx.deliver({ ...chat, stanzaId: 'arch-2' });
    await waitFor(() => sent.length === 1 && store.outbox.get(1)?.state === 'done', 'first attempt done');
    expect(delivery.bounce('a@x', sent[0]!.attrs.id as string, undefined, 'service-unavailable')).toBe('retry');
    // As the pipeline does when the user's presence arrives: due now, and the lane looks.
    expect(delivery.userAvailable('a@x')).toBe(1);
    inLane.kick();
    await waitFor(() => sent.length === 2, 'the retry after the bounce', 5000);
    expect(ids(sent[1]!)).toEqual(ids(sent[0]!));
    expect(ids(sent[0]!).originId).toBe(sent[0]!.attrs.id);
    expect(ids(sent[0]!).stanzaId).toBe('arch-2');
  });

  it('a reflection keeps the sender ids; a message with a dedupe key gets an id derived from it', async () => {
    const { ctx, sent } = setup();
    await ctx.deliver({ ...chat, type: 'groupchat', toResource: 'r', id: 'client-1', originId: 'origin-1', stanzaId: 's-1' });
    await ctx.deliver({ ...chat, body: 'mail' }, { dedupeKey: 'msgid:<m1@example.org>|a@x' });
    await waitFor(() => sent.length === 2, 'both stanzas');
    expect(ids(sent[0]!)).toEqual({ id: 'client-1', originId: 'origin-1', stanzaId: 's-1' });
    // The network sending it again (no 250 before a crash) yields the same id in another store.
    const other = setup();
    await other.ctx.deliver({ ...chat, body: 'mail' }, { dedupeKey: 'msgid:<m1@example.org>|a@x' });
    await waitFor(() => other.sent.length === 1, 'the copy');
    expect(ids(other.sent[0]!)).toEqual(ids(sent[1]!));
    expect(sent[1]!.attrs.id).toMatch(/^sb-/);
  });

  it('receipts, subjects and invites keep one stanza id across attempts too', async () => {
    const { ctx, sent, attempted } = setup({ failFirstSends: 3 });
    await ctx.deliver({ kind: 'receipt', user: 'a@x', from: 'peer', id: 'm9', state: 'delivered' });
    await ctx.deliver({ kind: 'subject', user: 'a@x', from: '#room', subject: 'topic' });
    await ctx.deliver({ kind: 'invite', user: 'a@x', from: '#room2', inviter: 'bob' });
    await waitFor(() => sent.length === 3, 'each after the failed attempts', 5000);
    expect(attempted.length).toBe(6);
    for (const el of sent) {
      const tries = attempted.filter((a) => a.toString().replace(/id="[^"]*"/, '') === el.toString().replace(/id="[^"]*"/, ''));
      expect(new Set(tries.map((a) => a.attrs.id as string)).size).toBe(1);
      expect(el.attrs.id).toMatch(/\S{8,}/);
    }
    expect(sent.find((el) => el.getChild('received'))?.getChild('received')?.attrs.id).toBe('m9');
  });

  it('every attempt of one outbound item gets the same itemId, and two items different ones', async () => {
    const { delivery, sendOptions, outLane } = setup({ failFirstSends: 1 });
    const out = (body: string) => outLane.kick(delivery.enqueueOut({ kind: 'message', user: 'a@x', to: 'peer', type: 'chat', body, receiptRequested: false }).okey);
    out('one');
    await waitFor(() => sendOptions.length === 2, 'two attempts', 5000);
    out('two');
    await waitFor(() => sendOptions.length === 3, 'the second item');
    expect(sendOptions[0]!.itemId).toBeDefined();
    expect(sendOptions[1]!.itemId).toBe(sendOptions[0]!.itemId);
    expect(sendOptions[2]!.itemId).not.toBe(sendOptions[0]!.itemId);
  });
});
