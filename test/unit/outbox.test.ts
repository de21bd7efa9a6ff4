import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { RetryableError, StanzaError } from '../../src/core/errors.js';
import { backoffDelay } from '../../src/core/backoff.js';
import { OutboxLane, type LaneHooks, type LaneOptions, type Outcome } from '../../src/core/outbox.js';
import { openSqliteStore } from '../../src/core/sqlite/store.js';
import type { OutboxRow, Store } from '../../src/core/store.js';
import { waitFor } from '../helpers/wait.js';

const log = pino({ level: 'silent' });
let stores: Store[] = [];
let lanes: OutboxLane[] = [];
afterEach(async () => {
  // Stop the lanes first, as the gateway does: a scheduled pump must not find a closed store.
  await Promise.all(lanes.map((l) => l.stop()));
  for (const s of stores) s.close();
  stores = [];
  lanes = [];
});

function setup(
  hooks: Partial<LaneHooks> & Pick<LaneHooks, 'handle'>,
  maxAttempts = 3,
  concurrency = 4,
  now = () => Date.now(),
  extra: Pick<LaneOptions, 'attemptTimeoutMs' | 'sweepMs'> = {},
) {
  const store = openSqliteStore({ path: ':memory:', synchronous: 'normal' });
  stores.push(store);
  const failed: Array<[OutboxRow, Error]> = [];
  const dead: Array<[OutboxRow, Error]> = [];
  const lane = new OutboxLane(
    store.outbox,
    { bridge: 'b', direction: 'out', concurrency, retry: { maxAttempts, baseDelayMs: 5, maxDelayMs: 20 }, now, log, ...extra },
    { onFailed: (r, e) => failed.push([r, e]), onDead: (r, e) => dead.push([r, e]), ...hooks },
  );
  lanes.push(lane);
  const add = (okey: string, payload: string, dedupe?: string) =>
    store.outbox.enqueue({ direction: 'out', bridge: 'b', user: 'u@x', okey, payload, ...(dedupe ? { dedupe } : {}) }, Date.now());
  return { store, lane, add, failed, dead };
}

describe('outbox', () => {
  it('keeps order within a conversation and runs conversations in parallel', async () => {
    const seen: string[] = [];
    let running = 0;
    let maxRunning = 0;
    const { lane, add } = setup({
      handle: async (row) => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await new Promise((r) => setTimeout(r, 5));
        seen.push(row.payload);
        running--;
      },
    });
    for (let i = 0; i < 5; i++) {
      add('a', `a${i}`);
      add('b', `b${i}`);
    }
    lane.kick();
    await waitFor(() => seen.length === 10, 'all delivered');
    expect(seen.filter((s) => s.startsWith('a'))).toEqual(['a0', 'a1', 'a2', 'a3', 'a4']);
    expect(seen.filter((s) => s.startsWith('b'))).toEqual(['b0', 'b1', 'b2', 'b3', 'b4']);
    expect(maxRunning).toBe(2);
  });

  it('retries a RetryableError with backoff, without letting later items overtake', async () => {
    const seen: string[] = [];
    let failures = 2;
    const { lane, add, store } = setup({
      handle: async (row) => {
        if (row.payload === 'first' && failures-- > 0) throw new RetryableError('network down');
        seen.push(row.payload);
      },
    });
    add('a', 'first');
    add('a', 'second');
    lane.kick();
    await waitFor(() => seen.length === 2, 'both delivered');
    expect(seen).toEqual(['first', 'second']);
    expect(store.outbox.stats('b')).toMatchObject({ pending: 0, dead: 0 });
  });

  it('makes a dead letter after the last attempt and tells the user once', async () => {
    const { lane, add, dead, store } = setup({ handle: async () => Promise.reject(new RetryableError('still down')) }, 3);
    const { id } = add('a', 'doomed');
    lane.kick();
    await waitFor(() => dead.length === 1, 'dead letter');
    expect(store.outbox.get(id)).toMatchObject({ state: 'dead', attempts: 3, lastError: 'still down' });
    expect(store.outbox.revive(id, Date.now())).toBe(true);
    expect(store.outbox.get(id)).toMatchObject({ state: 'pending', attempts: 0 });
  });

  it('retries an item that is already due when the lane next looks (a loaded machine), without waiting for a kick', async () => {
    let skew = 0;
    const { lane, add, dead } = setup(
      {
        handle: async () => Promise.reject(new RetryableError('still down')),
        // The process was descheduled right after the retry was written: by the time the lane
        // looks again, the retry is already due.
        onOutcome: (_row, outcome) => void (outcome === 'retry' && (skew += 1000)),
      },
      3,
      4,
      () => Date.now() + skew,
    );
    add('a', 'late');
    lane.kick();
    await waitFor(() => dead.length === 1, 'dead letter after three attempts', 3000);
    expect(dead[0]![0]).toMatchObject({ attempts: 2, payload: 'late' });
  });

  it('reports a StanzaError or a bug at once, without retrying', async () => {
    let calls = 0;
    const { lane, add, failed } = setup({
      handle: async (row) => {
        calls++;
        if (row.payload === 'bad') throw new StanzaError('item-not-found', 'no such number');
        throw new TypeError('bug');
      },
    });
    add('a', 'bad');
    add('b', 'bug');
    lane.kick();
    await waitFor(() => failed.length === 2, 'both reported');
    expect(calls).toBe(2);
    expect(failed.map(([, e]) => e.name).sort()).toEqual(['StanzaError', 'TypeError']);
  });

  it('deduplicates on the dedupe key', () => {
    const { add, store } = setup({ handle: async () => undefined });
    expect(add('a', 'x', 'sid-1').duplicate).toBe(false);
    expect(add('a', 'x', 'sid-1').duplicate).toBe(true);
    expect(add('a', 'y', 'sid-2').duplicate).toBe(false);
    expect(store.outbox.stats('b').pending).toBe(2);
  });

  it('takes nothing while paused, and does not count an attempt that failed because the path went down', async () => {
    const seen: string[] = [];
    let fail = true;
    const { lane, add, store } = setup({
      handle: async (row) => {
        if (fail) {
          lane.pause();
          throw new RetryableError('component offline');
        }
        seen.push(row.payload);
      },
    });
    const { id } = add('a', 'm');
    lane.kick();
    await waitFor(() => lane.isPaused && lane.inflightCount === 0, 'paused');
    expect(store.outbox.get(id)).toMatchObject({ state: 'pending', attempts: 0 });
    fail = false;
    lane.resume();
    await waitFor(() => seen.length === 1, 'delivered after resume');
  });

  it('handles an item in the turn it was enqueued, before the group commit at the end of the turn', async () => {
    let turnEnded = false;
    let handledBeforeTurnEnded: boolean | undefined;
    const { lane, add, store } = setup({
      handle: async () => {
        handledBeforeTurnEnded = !turnEnded;
      },
    });
    add('a', 'x');
    setImmediate(() => (turnEnded = true));
    lane.kick('a');
    await store.flush();
    expect(handledBeforeTurnEnded).toBe(true);
    expect(store.outbox.stats('b').pending).toBe(0);
  });

  it('runs a key’s items as chains, in order, and a kicked key is read again when its chain ends', async () => {
    const store = openSqliteStore({ path: ':memory:', synchronous: 'normal' });
    stores.push(store);
    const seen: string[] = [];
    const lane = new OutboxLane(
      store.outbox,
      { bridge: 'b', direction: 'out', concurrency: 2, chain: 3, retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20 }, now: () => Date.now(), log },
      { handle: async (row) => void seen.push(row.payload), onFailed: () => undefined, onDead: () => undefined },
    );
    lanes.push(lane);
    for (let i = 0; i < 8; i++) store.outbox.enqueue({ direction: 'out', bridge: 'b', user: 'u@x', okey: 'a', payload: `a${i}` }, Date.now());
    lane.kick('a');
    // Enqueued while the first chain runs: picked up after it, still in order.
    store.outbox.enqueue({ direction: 'out', bridge: 'b', user: 'u@x', okey: 'a', payload: 'a8' }, Date.now());
    lane.kick('a');
    await waitFor(() => seen.length === 9, 'all delivered');
    expect(seen).toEqual(['a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7', 'a8']);
  });

  it('prunes finished rows older than the window', async () => {
    const { lane, add, store } = setup({ handle: async () => undefined });
    add('a', 'x');
    lane.kick();
    await waitFor(() => store.outbox.stats('b').pending === 0, 'done');
    expect(store.outbox.prune(Date.now() + 1000)).toBe(1);
  });

  it('turns a send that does not settle by the deadline into a retry, and ignores its late success', async () => {
    const outcomes: Outcome[] = [];
    let calls = 0;
    let lateSettled = false;
    const { lane, add, store } = setup(
      {
        handle: async () => {
          calls += 1;
          // The first attempt answers long after its deadline; the second at once.
          if (calls === 1) await new Promise((r) => setTimeout(r, 150)).then(() => (lateSettled = true));
        },
        onOutcome: (_row, o) => outcomes.push(o),
      },
      3,
      4,
      () => Date.now(),
      { attemptTimeoutMs: 30 },
    );
    const { id } = add('a', 'hung');
    lane.kick();
    await waitFor(() => outcomes.includes('done'), 'the retry to succeed', 2000);
    expect(outcomes).toEqual(['retry', 'done']);
    await waitFor(() => lateSettled, 'the late answer of the first attempt');
    await new Promise((r) => setImmediate(r));
    // The late success wrote nothing: the row was marked done once, by the second attempt.
    expect(outcomes).toEqual(['retry', 'done']);
    expect(store.outbox.get(id)).toMatchObject({ state: 'done', attempts: 2 });
  });

  it('aborts the signal of an attempt at its deadline', async () => {
    let reason: unknown;
    const { lane, add, dead } = setup(
      {
        handle: (_row, { signal }) =>
          new Promise((_resolve, reject) =>
            signal.addEventListener('abort', () => {
              reason = signal.reason;
              reject(signal.reason);
            }),
          ),
      },
      1,
      4,
      () => Date.now(),
      { attemptTimeoutMs: 20 },
    );
    add('a', 'x');
    lane.kick();
    await waitFor(() => dead.length === 1, 'a dead letter after the only attempt timed out', 2000);
    expect(reason).toBeInstanceOf(RetryableError);
  });

  it('sweeps: a due row that no kick and no timer reached is still taken', async () => {
    const seen: string[] = [];
    const { add } = setup({ handle: async (row) => void seen.push(row.payload) }, 3, 4, () => Date.now(), { sweepMs: 30 });
    add('a', 'forgotten'); // no kick: as if a wake-up had been lost
    await waitFor(() => seen.length === 1, 'the sweep to take the row', 2000);
    expect(seen).toEqual(['forgotten']);
  });

  it('reports how long the oldest due row that is not in flight has waited', async () => {
    let clock = Date.now() + 1000;
    let release: () => void = () => undefined;
    const { lane, add } = setup(
      { handle: (row) => (row.payload === 'busy' ? new Promise<void>((r) => (release = r)) : Promise.resolve()) },
      3,
      4,
      () => clock,
      { sweepMs: 0 },
    );
    expect(lane.oldestDueAgeMs()).toBe(0);
    add('a', 'busy');
    lane.kick('a');
    await waitFor(() => lane.inflightCount === 1, 'the busy item in flight');
    clock += 5000;
    expect(lane.oldestDueAgeMs(), 'in flight: not stranded').toBe(0);
    lane.pause();
    const since = Date.now();
    add('b', 'waiting'); // enqueued at real time, due since then
    clock = since + 7000;
    expect(lane.oldestDueAgeMs()).toBeGreaterThanOrEqual(6900);
    expect(lane.oldestDueAgeMs()).toBeLessThanOrEqual(7000);
    release();
    lane.resume();
    await waitFor(() => lane.oldestDueAgeMs() === 0 && lane.inflightCount === 0, 'nothing due any more');
  });

  it('computes exponential backoff with jitter and a cap', () => {
    const p = { baseDelayMs: 1000, maxDelayMs: 60_000 };
    expect(backoffDelay(1, p, () => 1)).toBe(1000);
    expect(backoffDelay(3, p, () => 1)).toBe(4000);
    expect(backoffDelay(3, p, () => 0)).toBe(2000);
    expect(backoffDelay(20, p, () => 1)).toBe(60_000);
  });
});
