import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay, FIRST_RETRY_MAX_MS, ReconnectSchedule, STABLE_CONNECTION_MS } from '../../src/core/backoff.js';

const policy = { baseDelayMs: 1000, maxDelayMs: 60_000 };

describe('backoffDelay (the one backoff of outbox, component and IRC)', () => {
  it('doubles from the base for each retry, with 50–100 % jitter, capped', () => {
    expect(backoffDelay(1, policy, () => 1)).toBe(1000);
    expect(backoffDelay(1, policy, () => 0)).toBe(500);
    expect(backoffDelay(2, policy, () => 1)).toBe(2000);
    expect(backoffDelay(4, policy, () => 1)).toBe(8000);
    expect(backoffDelay(4, policy, () => 0)).toBe(4000);
    expect(backoffDelay(20, policy, () => 1)).toBe(60_000);
    expect(backoffDelay(20, policy, () => 0)).toBe(30_000);
    // Attempt 0 or less waits as the first retry; a huge attempt number does not overflow.
    expect(backoffDelay(0, policy, () => 1)).toBe(1000);
    expect(backoffDelay(10_000, policy, () => 1)).toBe(60_000);
  });

  it('always waits between half and all of the capped exponential, whatever the jitter', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 1, max: 100_000 }),
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, baseDelayMs, maxDelayMs, r) => {
          const capped = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.min(attempt - 1, 30));
          const d = backoffDelay(attempt, { baseDelayMs, maxDelayMs }, () => r);
          expect(d).toBeGreaterThanOrEqual(Math.floor(capped / 2));
          expect(d).toBeLessThanOrEqual(Math.ceil(capped));
        },
      ),
    );
  });

  it('never waits less for a later retry at the same jitter', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.double({ min: 0, max: 1, noNaN: true }), (attempt, r) => {
        expect(backoffDelay(attempt + 1, policy, () => r)).toBeGreaterThanOrEqual(backoffDelay(attempt, policy, () => r));
      }),
    );
  });
});

describe('ReconnectSchedule', () => {
  function schedule(): { s: ReconnectSchedule; advance(ms: number): void } {
    let now = 0;
    const s = new ReconnectSchedule(policy, { now: () => now, random: () => 1 });
    return { s, advance: (ms) => (now += ms) };
  }

  it('backs off from the base while attempts fail', () => {
    const { s } = schedule();
    expect([s.next(), s.next(), s.next(), s.next()]).toEqual([1000, 2000, 4000, 8000]);
    expect(s.attempts).toBe(4);
  });

  it('retries at once (≤ 100 ms) after a stable connection dropped, then backs off from the base', () => {
    const { s, advance } = schedule();
    s.next();
    s.next();
    s.online();
    advance(STABLE_CONNECTION_MS);
    expect(s.next()).toBe(FIRST_RETRY_MAX_MS);
    expect(s.attempts).toBe(0);
    expect([s.next(), s.next()]).toEqual([1000, 2000]);
  });

  it('keeps growing for a peer that accepts every connection and drops it soon after (no storm)', () => {
    const { s, advance } = schedule();
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      s.online();
      advance(STABLE_CONNECTION_MS - 1);
      waits.push(s.next());
    }
    expect(waits).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000]);
  });

  it('uses the base as the first retry when it is shorter than 100 ms', () => {
    let now = 0;
    const s = new ReconnectSchedule({ baseDelayMs: 20, maxDelayMs: 1000 }, { now: () => now, random: () => 1 });
    s.online();
    now += STABLE_CONNECTION_MS;
    expect(s.next()).toBe(20);
  });
});
