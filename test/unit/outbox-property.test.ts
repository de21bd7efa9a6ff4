// Property: the outbox strands nothing (issue 10). A fake bridge `send` fails at random (retryable,
// permanent, bugs), hangs (with or without heeding the abort), is slow, or answers after the
// deadline; the lane is paused and resumed, the clock jumps, and the lane and the real SQLite
// store are closed and reopened. Every item must end done, failed or dead, within its attempt
// budget, in order per key, and never be attempted twice at once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Attempt } from '../../src/core/attempt-deadline.js';
import fc from 'fast-check';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { RetryableError, StanzaError } from '../../src/core/errors.js';
import { OutboxLane, type Outcome } from '../../src/core/outbox.js';
import { openSqliteStore } from '../../src/core/sqlite/store.js';
import type { OutboxRow, Store } from '../../src/core/store.js';
import { waitFor } from '../helpers/wait.js';

const log = pino({ level: 'silent' });
const DEADLINE_MS = 30;
const SWEEP_MS = 20;
const RETRY = { maxAttempts: 3, baseDelayMs: 2, maxDelayMs: 10 };

type Behaviour = 'ok' | 'retry' | 'permanent' | 'bug' | 'slow' | 'hang' | 'deaf-hang' | 'late';
type Action = { at: number; what: 'pause' | 'resume' | 'restart' } | { at: number; what: 'jump'; ms: number };

const behaviour = fc.constantFrom<Behaviour>('ok', 'ok', 'retry', 'retry', 'permanent', 'bug', 'slow', 'hang', 'deaf-hang', 'late');
const item = fc.record({
  key: fc.integer({ min: 0, max: 2 }),
  at: fc.integer({ min: 0, max: 60 }),
  script: fc.array(behaviour, { minLength: 1, maxLength: 4 }),
});
const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ at: fc.integer({ min: 0, max: 150 }), what: fc.constantFrom('pause' as const, 'resume' as const, 'restart' as const) }),
  // Forward by up to an hour (retries fall due at once), back by a little (NTP slews).
  fc.record({ at: fc.integer({ min: 0, max: 150 }), what: fc.constant('jump' as const), ms: fc.oneof(fc.integer({ min: 1, max: 3_600_000 }), fc.integer({ min: -50, max: -1 })) }),
);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function scenario(items: Array<{ key: number; at: number; script: Behaviour[] }>, actions: Action[]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sb-outbox-prop-'));
  const path = join(dir, 'store.sqlite');
  let offset = 0;
  const now = (): number => Date.now() + offset;
  const calls = new Map<number, number>(); // payload index → handle calls
  const active = new Set<number>(); // row ids with an attempt the lane has not concluded
  const activeKeys = new Set<string>();
  const terminal = new Map<number, Outcome>();
  const paused = new Map<number, number>();
  const violations: string[] = [];
  const timers: NodeJS.Timeout[] = [];
  let store: Store = openSqliteStore({ path, synchronous: 'normal' });
  let pausedNow = false;

  const handle = async (row: OutboxRow, attempt: Attempt): Promise<void> => {
    const index = Number(row.payload);
    if (active.has(row.id)) violations.push(`row ${row.id} attempted while another attempt of it was in flight`);
    if (activeKeys.has(row.okey)) violations.push(`key ${row.okey} ran two items at once`);
    for (const earlier of enqueued) {
      if (earlier.id < row.id && earlier.okey === row.okey && !terminal.has(earlier.id)) {
        violations.push(`row ${row.id} ran before row ${earlier.id} of its key finished`);
      }
    }
    active.add(row.id);
    activeKeys.add(row.okey);
    const n = calls.get(index) ?? 0;
    calls.set(index, n + 1);
    const b = items[index]!.script[Math.min(n, items[index]!.script.length - 1)]!;
    switch (b) {
      case 'ok':
        return;
      case 'retry':
        throw new RetryableError('flaky');
      case 'permanent':
        throw new StanzaError('not-acceptable', 'no');
      case 'bug':
        throw new TypeError('a bug');
      case 'slow':
        return sleep(DEADLINE_MS / 3);
      case 'hang':
        return new Promise((_resolve, reject) => attempt.signal.addEventListener('abort', () => reject(attempt.signal.reason)));
      case 'deaf-hang':
        return new Promise(() => undefined);
      case 'late':
        // Succeeds after the deadline, too late to count.
        return sleep(DEADLINE_MS * 2);
    }
  };

  const ids: number[] = [];
  const enqueued: Array<{ id: number; okey: string }> = [];
  const makeLane = (): OutboxLane => {
    const lane = new OutboxLane(
      store.outbox,
      { bridge: 'b', direction: 'out', concurrency: 2, retry: RETRY, attemptTimeoutMs: DEADLINE_MS, sweepMs: SWEEP_MS, now, log },
      {
        handle,
        onFailed: () => undefined,
        onDead: () => undefined,
        onOutcome: (row, outcome) => {
          active.delete(row.id);
          activeKeys.delete(row.okey);
          if (outcome === 'paused') paused.set(row.id, (paused.get(row.id) ?? 0) + 1);
          if (outcome === 'done' || outcome === 'failed' || outcome === 'dead') {
            if (terminal.has(row.id)) violations.push(`row ${row.id} finished twice (${terminal.get(row.id)}, ${outcome})`);
            terminal.set(row.id, outcome);
          }
        },
      },
    );
    if (!pausedNow) lane.resume();
    return lane;
  };
  let lane = makeLane();
  let restarting: Promise<void> = Promise.resolve();

  try {
    for (const [index, it] of items.entries()) {
      timers.push(
        setTimeout(() => {
          void restarting.then(() => {
            const { id } = store.outbox.enqueue({ direction: 'out', bridge: 'b', user: 'u@x', okey: `k${it.key}`, payload: String(index) }, now());
            ids[index] = id;
            enqueued.push({ id, okey: `k${it.key}` });
            lane.kick(`k${it.key}`);
          });
        }, it.at),
      );
    }
    for (const a of actions) {
      timers.push(
        setTimeout(() => {
          if (a.what === 'pause') {
            pausedNow = true;
            lane.pause();
          } else if (a.what === 'resume') {
            pausedNow = false;
            lane.resume();
          } else if (a.what === 'jump') offset += a.ms;
          else {
            restarting = restarting.then(async () => {
              await lane.stop();
              store.close();
              store = openSqliteStore({ path, synchronous: 'normal' });
              lane = makeLane();
            });
          }
        }, a.at),
      );
    }
    // Everything is enqueued and every action has run by 160 ms; then the lane must be running.
    await sleep(170);
    await restarting;
    pausedNow = false;
    lane.resume();
    // The bound: each attempt takes at most the deadline, then waits at most the longest backoff
    // (or the sweep, whichever is first); the items of a key run one after the other.
    const perKey = Math.max(...[0, 1, 2].map((k) => items.filter((i) => i.key === k).length));
    const bound = perKey * RETRY.maxAttempts * (DEADLINE_MS + RETRY.maxDelayMs + SWEEP_MS) + 1000;
    await waitFor(() => items.every((_i, index) => ids[index] !== undefined && terminal.has(ids[index]!)), 'every item done, failed or dead', bound);
    await restarting;
    expect(violations).toEqual([]);
    for (const [index] of items.entries()) {
      const row = store.outbox.get(ids[index]!)!;
      expect(row.state === 'done' || row.state === 'dead', `item ${index} is ${row.state}`).toBe(true);
      expect(row.attempts).toBeLessThanOrEqual(RETRY.maxAttempts);
      // Attempts cut short by a pause are not counted: the handle calls are the rest.
      expect(calls.get(index)! - (paused.get(ids[index]!) ?? 0)).toBe(row.attempts);
      if (row.state === 'dead') expect(row.attempts).toBe(RETRY.maxAttempts);
    }
  } finally {
    for (const t of timers) clearTimeout(t);
    await restarting.catch(() => undefined);
    await lane.stop();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('outbox property', () => {
  it('ends every item done, failed or dead within its budget, in order, never twice at once, whatever the faults', { timeout: 120_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(item, { minLength: 1, maxLength: 8 }), fc.array(action, { maxLength: 6 }), scenario),
      { numRuns: 40 },
    );
  });
});
