// Sharded mode's shared inbound dedupe (src/core/postgres/shared-dedupe.ts) in a real PostgreSQL:
// two slot stores in one database, as shard mode makes them (a schema per slot, src/failover/slots.ts).
// The same inbound dedupe key (a Twilio MessageSid retried on another instance) becomes one item.
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createBridgeContext } from '../../src/core/context.js';
import { openPostgresStore, pgPool, type PostgresStore } from '../../src/core/postgres/store.js';
import type { EnqueueItem } from '../../src/core/store.js';
import { createSlotSchemas, sharedSchema, slotSchema, slotUrl } from '../../src/failover/slots.js';
import { usePostgresSlotStores } from '../helpers/pg-slot-stores.js';

const { server: pgServer, opened, pools } = usePostgresSlotStores();

const SHARED = sharedSchema('switchboard');

/** A database with two slot schemas, and a store opened on slot `i` of it. */
async function cluster() {
  const url = await pgServer().createDatabase();
  const admin = pgPool(url, 1);
  pools.push(admin);
  await createSlotSchemas(admin, [slotSchema('switchboard', 0), slotSchema('switchboard', 1)]);
  const open = async (slot: number) => {
    const store = await openPostgresStore({ url: slotUrl(url, slotSchema('switchboard', slot)), sharedDedupe: { schema: SHARED, slot } });
    opened.push(store);
    return store;
  };
  const count = async (sql: string) => Number((await admin.query<{ n: string }>(sql)).rows[0]!.n);
  return { url, admin, open, count };
}

const inbound = (dedupe: string | undefined, okey = 'a@x|+15550001'): EnqueueItem => ({
  direction: 'in', bridge: 'sms', user: 'a@x', okey, payload: JSON.stringify({ body: dedupe ?? 'no key' }), ...(dedupe ? { dedupe } : {}),
});

/** What `ctx.deliver` does with the store (src/core/context.ts): enqueue, then wait for the claim. */
async function deliver(store: PostgresStore, item: EnqueueItem, now = Date.now()): Promise<{ id: number; duplicate: boolean }> {
  const r = store.outbox.enqueue(item, now);
  const shared = await store.claimed!(r.id);
  return { id: r.id, duplicate: r.duplicate || shared === true };
}

describe('the inbound dedupe shared by the shard slots', () => {
  it('the same key enqueued on two slots is one item; the second is a duplicate and is not stored', async () => {
    const { open, count } = await cluster();
    const a = await open(0);
    const b = await open(1);
    const first = await deliver(a, inbound('SM0001'));
    expect(first.duplicate).toBe(false);
    const second = await deliver(b, inbound('SM0001'));
    expect(second.duplicate).toBe(true);
    // Gone from slot 1's working set and never written to its schema.
    expect(b.outbox.get(second.id)).toBeUndefined();
    expect(b.outbox.dueFor('sms', 'in', 'a@x|+15550001', Date.now(), 10)).toEqual([]);
    expect(await count(`SELECT count(*) AS n FROM switchboard_slot_1.outbox`)).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM switchboard_slot_0.outbox`)).toBe(1);
    expect(await count(`SELECT count(*) AS n FROM ${SHARED}.inbound_dedupe WHERE slot = 0 AND dedupe_key = 'SM0001'`)).toBe(1);
    // A key of its own on slot 1 is stored there; an outbound key is not shared at all.
    expect((await deliver(b, inbound('SM0002'))).duplicate).toBe(false);
    expect((await deliver(a, { ...inbound('SM0002'), direction: 'out' })).duplicate).toBe(false);
    expect(await count(`SELECT count(*) AS n FROM ${SHARED}.inbound_dedupe`)).toBe(2);
    // A retry on the slot that has it stays a (local) duplicate.
    expect((await deliver(a, inbound('SM0001'))).duplicate).toBe(true);
  });

  it('concurrent enqueues of one key on both slots store exactly one', async () => {
    const { open, count } = await cluster();
    const a = await open(0);
    const b = await open(1);
    for (let i = 0; i < 20; i++) {
      const key = `SM-race-${i}`;
      const results = await Promise.all([deliver(a, inbound(key)), deliver(b, inbound(key))]);
      expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
    }
    const stored = await count(`SELECT (SELECT count(*) FROM switchboard_slot_0.outbox) + (SELECT count(*) FROM switchboard_slot_1.outbox) AS n`);
    expect(stored).toBe(20);
    expect(await count(`SELECT count(*) AS n FROM ${SHARED}.inbound_dedupe`)).toBe(20);
  });

  it('a held row, and what follows it in its conversation, waits for its commit; then the lane sees both', async () => {
    const { open } = await cluster();
    const a = await open(0);
    const now = Date.now();
    const held = a.outbox.enqueue(inbound('SM-held'), now);
    const after = a.outbox.enqueue(inbound(undefined), now);
    const other = a.outbox.enqueue(inbound(undefined, 'a@x|+15550002'), now);
    // Before the commit: the keyless row of another conversation runs, this conversation waits.
    expect(a.outbox.dueFor('sms', 'in', 'a@x|+15550001', now, 10)).toEqual([]);
    expect(a.outbox.due('sms', 'in', now, new Set(), 10, 10).map((c) => c.map((r) => r.id))).toEqual([[other.id]]);
    expect(a.outbox.dueHeads('sms', 'in', now, 10).map((h) => h.okey)).toEqual(['a@x|+15550002']);
    expect(await a.claimed!(held.id)).toBe(false);
    expect(await a.claimed!(held.id)).toBeUndefined();
    expect(a.outbox.dueFor('sms', 'in', 'a@x|+15550001', now, 10).map((r) => r.id)).toEqual([held.id, after.id]);
  });

  it('a pruned row takes its shared key with it, in the same commit', async () => {
    const { open, count } = await cluster();
    const a = await open(0);
    const b = await open(1);
    const t0 = Date.now();
    const first = await deliver(a, inbound('SM-old'), t0);
    a.outbox.markDone(first.id, t0);
    await a.flush();
    // Within the retention: kept, still a duplicate on the other slot.
    expect(a.outbox.prune(t0 - 1)).toBe(0);
    await a.flush();
    expect((await deliver(b, inbound('SM-old'))).duplicate).toBe(true);
    // Past it: the row and its shared key go together.
    expect(a.outbox.prune(t0 + 1)).toBe(1);
    await a.flush();
    expect(await count(`SELECT count(*) AS n FROM ${SHARED}.inbound_dedupe`)).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM switchboard_slot_0.outbox`)).toBe(0);
    expect((await deliver(b, inbound('SM-old'))).duplicate).toBe(false);
  });

  it('a discarded dead letter takes its key; keys stored before the shared table are recorded when a slot opens', async () => {
    const { url, open, count } = await cluster();
    // Slot 0 as it was before the shared dedupe: its row has a key the shared table lacks.
    const before = await openPostgresStore({ url: slotUrl(url, slotSchema('switchboard', 0)) });
    before.outbox.enqueue(inbound('SM-legacy'), Date.now());
    const dead = before.outbox.enqueue({ ...inbound('dead:SM-x'), dead: 'unknown number' }, Date.now());
    await before.flush();
    await before.closed();
    const a = await open(0);
    expect(await count(`SELECT count(*) AS n FROM ${SHARED}.inbound_dedupe WHERE slot = 0`)).toBe(2);
    const b = await open(1);
    expect((await deliver(b, inbound('SM-legacy'))).duplicate).toBe(true);
    expect(a.outbox.discard(dead.id)).toBe(true);
    await a.flush();
    expect(await count(`SELECT count(*) AS n FROM ${SHARED}.inbound_dedupe WHERE dedupe_key = 'dead:SM-x'`)).toBe(0);
  });

  it('ctx.deliver on two slots: the first is delivered and the lane kicked once its key is claimed; the second is a duplicate', async () => {
    const { open } = await cluster();
    const stores = [await open(0), await open(1)];
    const kicks: Array<{ slot: number; visible: number }> = [];
    const ctxs = stores.map((store, slot) =>
      createBridgeContext({
        id: 'sms',
        domain: 'sms.example.org',
        store,
        log: pino({ level: 'silent' }),
        http: { mount: () => undefined, server: () => undefined },
        metrics: { count: () => undefined, include: () => undefined },
        signal: new AbortController().signal,
        clock: { now: () => Date.now() },
        isAllowed: () => true,
        isAdmin: () => false,
        // What the lane would see when kicked: the row is already visible (its claim is decided).
        onEnqueued: (_d, okey) => kicks.push({ slot, visible: store.outbox.dueFor('sms', 'in', okey, Date.now(), 10).length }),
        onHealth: () => undefined,
        queryUser: () => Promise.reject(new Error('no client')),
      }),
    );
    const event = { kind: 'message' as const, user: 'a@x', from: '+15550001', type: 'chat' as const, body: 'hi' };
    expect(await ctxs[0]!.deliver(event, { dedupeKey: 'SM-ctx' })).toEqual({ duplicate: false });
    expect(await ctxs[1]!.deliver(event, { dedupeKey: 'SM-ctx' })).toEqual({ duplicate: true });
    // A room event (durable: false) waits for its claim too.
    expect(await ctxs[1]!.deliver(event, { dedupeKey: 'SM-ctx', durable: false })).toEqual({ duplicate: true });
    expect(await ctxs[0]!.deadLetter({ raw: 1 }, 'unknown number', { dedupeKey: 'dead:SM-ctx' })).toEqual({ duplicate: false });
    expect(await ctxs[1]!.deadLetter({ raw: 1 }, 'unknown number', { dedupeKey: 'dead:SM-ctx' })).toEqual({ duplicate: true });
    expect(kicks).toEqual([{ slot: 0, visible: 1 }]);
  });

  it('stores without the shared dedupe (failover mode) have no claim to wait for', async () => {
    const url = await pgServer().createDatabase();
    const store = await openPostgresStore({ url });
    opened.push(store);
    expect(store.claimed).toBeUndefined();
  });
});
