// The handoff poller (src/core/handoff.ts) against an in-memory queue with the PostgreSQL queue's
// listing rule (`id > after OR created_at >= since`): who takes an item removes it; an item
// nobody takes is offered again only while young; a failing take is retried, and one that always
// fails is passed over without holding up the items after it. The queue itself, and the slots
// taking what another slot posted, run on PostgreSQL in test/integration/shard-callbacks.test.ts.
import pino from 'pino';
import { afterEach, expect, it } from 'vitest';
import type { Bridge } from '../../src/core/bridge.js';
import { HANDOFF_RECHECK_MS, HandoffPoller, type HandoffItem, type HandoffQueue } from '../../src/core/handoff.js';
import { waitFor } from '../helpers/wait.js';

class MemoryQueue implements HandoffQueue {
  readonly pollMs = 5;
  items: HandoffItem[] = [];
  private next = 1;
  async post(bridge: string, kind: string, payload: Record<string, string>, now: number): Promise<boolean> {
    this.items.push({ id: this.next++, bridge, kind, payload, createdAt: now });
    return true;
  }
  async list(bridges: readonly string[], after: number, since: number): Promise<HandoffItem[]> {
    return this.items.filter((i) => bridges.includes(i.bridge) && (i.id > after || i.createdAt >= since));
  }
  async remove(id: number): Promise<void> {
    this.items = this.items.filter((i) => i.id !== id);
  }
  async prune(before: number): Promise<number> {
    const n = this.items.length;
    this.items = this.items.filter((i) => i.createdAt >= before);
    return n - this.items.length;
  }
}

const pollers: HandoffPoller[] = [];
afterEach(async () => {
  await Promise.all(pollers.splice(0).map((p) => p.stop()));
});

function poller(queue: HandoffQueue, take: (kind: string, payload: Readonly<Record<string, string>>) => Promise<boolean>, now: () => number) {
  const bridge = { takeHandoff: take } as Pick<Bridge, 'takeHandoff'> as Bridge;
  const p = new HandoffPoller({ queue, bridges: () => [{ id: 'sms', bridge }], log: pino({ level: 'silent' }), now });
  pollers.push(p);
  p.start();
  return p;
}

it('the slot that knows an item takes and removes it; an item nobody knows is offered again only while young', async () => {
  const queue = new MemoryQueue();
  let now = 1_000_000;
  await queue.post('sms', 'status', { sid: 'mine' }, now);
  await queue.post('sms', 'status', { sid: 'unknown' }, now);
  await queue.post('email', 'dsn', { id: 'other bridge' }, now);
  const offered: string[] = [];
  poller(
    queue,
    async (_kind, payload) => {
      offered.push(payload.sid!);
      return payload.sid === 'mine';
    },
    () => now,
  );
  await waitFor(() => queue.items.every((i) => i.payload.sid !== 'mine'), 'the known item taken');
  await waitFor(() => offered.filter((s) => s === 'unknown').length >= 3, 'the unknown item offered again while young');
  expect(offered.filter((s) => s === 'mine')).toEqual(['mine']);
  now += HANDOFF_RECHECK_MS + 1;
  await queue.post('sms', 'status', { sid: 'later' }, now);
  await waitFor(() => offered.filter((s) => s === 'later').length >= 3, 'the new item offered, and again while young');
  // A poll that began before the clock moved may still offer it once; none after the new item.
  expect(
    offered.slice(offered.indexOf('later')).filter((s) => s === 'unknown'),
    'an old unknown item is no longer offered',
  ).toEqual([]);
  expect(queue.items.map((i) => i.payload.sid ?? i.payload.id).sort()).toEqual(['later', 'other bridge', 'unknown'].sort());
});

it('a take that fails is retried; one that always fails is passed over, and the items after it are taken', async () => {
  const queue = new MemoryQueue();
  await queue.post('sms', 'status', { sid: 'flaky' }, 0);
  await queue.post('sms', 'status', { sid: 'poison' }, 0);
  await queue.post('sms', 'status', { sid: 'after' }, 0);
  let flaky = 2;
  const tries = new Map<string, number>();
  poller(
    queue,
    async (_kind, payload) => {
      const sid = payload.sid!;
      tries.set(sid, (tries.get(sid) ?? 0) + 1);
      if (sid === 'flaky' && flaky-- > 0) throw new Error('commit failed');
      if (sid === 'poison') throw new Error('unreadable payload');
      return true;
    },
    () => HANDOFF_RECHECK_MS * 10,
  );
  await waitFor(() => queue.items.length === 1, 'the flaky and the later item taken');
  expect(queue.items[0]!.payload.sid).toBe('poison');
  expect(tries.get('flaky')).toBe(3);
  expect(tries.get('poison')).toBe(5);
  expect(tries.get('after')).toBe(1);
});
