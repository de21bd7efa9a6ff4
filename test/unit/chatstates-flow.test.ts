// Chat states are ephemeral (core/ephemeral.ts): through the one door, in order, but never retried,
// never reported back, never bounce-tracked, never shown late. Real lanes and store (SQLite in
// memory); `send` records the stanzas the component would write; the bridge is a stub.
import type { Element } from 'ltx';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { Bridge, BridgeHttp } from '../../src/core/bridge.js';
import { BounceTracker } from '../../src/core/bounces.js';
import { createBridgeContext } from '../../src/core/context.js';
import { Delivery } from '../../src/core/delivery.js';
import { EPHEMERAL_TTL_MS } from '../../src/core/ephemeral.js';
import { RetryableError, StanzaError } from '../../src/core/errors.js';
import type { Outbound } from '../../src/core/model.js';
import { OutboxLane } from '../../src/core/outbox.js';
import { openSqliteStore } from '../../src/core/sqlite/store.js';
import type { Store } from '../../src/core/store.js';
import { waitFor } from '../helpers/wait.js';

const log = pino({ level: 'silent' });
const retry = { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20 };
const USER = 'alice@example.org';
let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

type Behaviour = (event: Outbound) => Promise<void>;

function setup(bridgeDoes: Behaviour, componentFails = false) {
  const store: Store = openSqliteStore({ path: ':memory:', synchronous: 'normal' });
  const calls: Outbound[] = [];
  const sent: Element[] = [];
  let clock = Date.now();
  const now = () => clock;
  const bridge = {
    send: async (event: Outbound) => {
      calls.push(event);
      await bridgeDoes(event);
      return {};
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
    clock: { now },
    isAllowed: () => true,
    isAdmin: () => false,
    onEnqueued: (direction, okey) => lanes[direction]?.kick(okey),
    onHealth: () => undefined,
    queryUser: () => Promise.resolve({}),
  });
  const tracker = new BounceTracker({ repo: store.bounces, bridge: 'b', windowMs: 60_000, maxEntries: 100, now });
  const send = (el: Element): Promise<void> => {
    if (componentFails) return Promise.reject(new RetryableError('the XMPP server is not connected'));
    sent.push(el);
    return Promise.resolve();
  };
  const delivery = new Delivery({ bridgeId: 'b', domain: 'b.example', bridge, ctx, store, log, send, now, bounces: { tracker, retry } });
  const laneOptions = { bridge: 'b', concurrency: 4, retry, now, log, sweepMs: 0 };
  lanes.in = new OutboxLane(store.outbox, { ...laneOptions, direction: 'in' }, delivery.inHooks());
  lanes.out = new OutboxLane(store.outbox, { ...laneOptions, direction: 'out' }, delivery.outHooks());
  const { in: inLane, out: outLane } = lanes as Record<'in' | 'out', OutboxLane>;
  cleanup.push(async () => {
    await inLane.stop();
    await outLane.stop();
    store.close();
  });
  const enqueue = (event: Outbound) => {
    const res = delivery.enqueueOut(event);
    outLane.kick(res.okey);
  };
  const rows = (direction: 'in' | 'out') => store.outbox.list('b', { direction }, 100).sort((a, b) => a.id - b.id);
  return { store, ctx, calls, sent, enqueue, rows, tracker, advance: (ms: number) => (clock += ms), inLane, outLane };
}

const typing = (id: string): Outbound => ({ kind: 'chatstate', user: USER, to: '+15550001', type: 'chat', state: 'composing', id });
const message = (id: string): Outbound => ({ kind: 'message', user: USER, to: '+15550001', type: 'chat', body: id, id, receiptRequested: false });

describe('chat states through the outbox', () => {
  it('reach the bridge in order with the messages of their conversation', async () => {
    const s = setup(async () => undefined);
    s.enqueue(typing('t1'));
    s.enqueue(message('m1'));
    s.enqueue(typing('t2'));
    await waitFor(() => s.calls.length === 3, 'three sends');
    expect(s.calls.map((c) => c.id)).toEqual(['t1', 'm1', 't2']);
  });

  it('a refusal by the bridge is not answered with an error and the next message still goes', async () => {
    const s = setup(async (e) => {
      if (e.kind === 'chatstate') throw new StanzaError('feature-not-implemented', 'no typing here');
    });
    s.enqueue(typing('t1'));
    s.enqueue(message('m1'));
    await waitFor(() => s.calls.length === 2, 'both sends');
    await waitFor(() => s.rows('out').every((r) => r.state === 'done'), 'both done');
    // No error stanza (an inbound item) for the chat state, whatever the bridge said.
    expect(s.rows('in')).toEqual([]);
  });

  it('a transient failure is not retried and never becomes a dead letter', async () => {
    const s = setup(async (e) => {
      if (e.kind === 'chatstate') throw new RetryableError('network down');
    });
    s.enqueue(typing('t1'));
    await waitFor(() => s.rows('out')[0]?.state === 'done', 'the row ends');
    s.enqueue(message('m1'));
    await waitFor(() => s.calls.length === 2, 'the message goes on');
    expect(s.calls.filter((c) => c.kind === 'chatstate')).toHaveLength(1);
    expect(s.rows('out').map((r) => [r.state, r.attempts])).toEqual([
      ['done', 1],
      ['done', 1],
    ]);
    expect(s.rows('in')).toEqual([]);
  });

  it('a state that waited longer than EPHEMERAL_TTL_MS is skipped, not shown late', async () => {
    const s = setup(async () => undefined);
    s.outLane.pause();
    s.enqueue(typing('old'));
    s.advance(EPHEMERAL_TTL_MS + 1);
    s.enqueue(message('m1'));
    s.outLane.resume();
    await waitFor(() => s.rows('out').every((r) => r.state === 'done'), 'both rows done');
    expect(s.calls.map((c) => c.id)).toEqual(['m1']);
  });

  it('a message refused by the bridge is still reported (the rule is for chat states only)', async () => {
    const s = setup(async () => {
      throw new StanzaError('feature-not-implemented', 'nope');
    });
    s.enqueue(message('m1'));
    await waitFor(() => s.rows('in').length === 1, 'the error report');
  });
});

describe('inbound chat states', () => {
  it('are sent once when the XMPP side fails, never retried, never bounce-tracked', async () => {
    const s = setup(async () => undefined, true);
    await s.ctx.deliver({ kind: 'chatstate', user: USER, from: '+15550001', type: 'chat', state: 'composing' }, { durable: false });
    await waitFor(() => s.rows('in')[0]?.state === 'done', 'the row ends');
    expect(s.rows('in')[0]?.attempts).toBe(1);
    expect(s.sent).toEqual([]);
  });

  it('go out as a standalone state, and a bounce of one is not a failed delivery', async () => {
    const s = setup(async () => undefined);
    await s.ctx.deliver({ kind: 'chatstate', user: USER, from: '+15550001', type: 'chat', state: 'paused', toResource: 'phone' });
    await waitFor(() => s.sent.length === 1, 'the stanza');
    const el = s.sent[0]!;
    expect(el.getChild('paused', 'http://jabber.org/protocol/chatstates')).toBeDefined();
    expect(s.tracker.take(USER, el.attrs.id as string, 'phone')).toBeUndefined();
  });
});
