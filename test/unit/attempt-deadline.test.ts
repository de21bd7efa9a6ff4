// The deadline of one outbox attempt (src/core/attempt-deadline.ts): the attempt's AbortSignal is
// made only when the work reads it, and is aborted whether it was read before or after the deadline.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AttemptTimeout, withDeadline } from '../../src/core/attempt-deadline.js';

describe('withDeadline', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('makes no AbortController for an attempt that never reads its signal', async () => {
    const made = vi.spyOn(globalThis, 'AbortController');
    await withDeadline(async () => undefined, 1000, () => undefined);
    expect(made).not.toHaveBeenCalled();
  });

  it('says whether the deadline passed (expired) without making the signal', async () => {
    const made = vi.spyOn(globalThis, 'AbortController');
    const seen: boolean[] = [];
    let finish!: () => void;
    let expiredAtEnd = false;
    const run = withDeadline(
      (attempt) => {
        seen.push(attempt.expired);
        return new Promise<void>((resolve) => {
          finish = () => {
            expiredAtEnd = attempt.expired;
            resolve();
          };
        });
      },
      20,
      () => undefined,
    );
    await expect(run).rejects.toBeInstanceOf(AttemptTimeout);
    finish();
    await vi.waitFor(() => expect(expiredAtEnd).toBe(true));
    expect(seen).toEqual([false]);
    expect(made).not.toHaveBeenCalled();
  });

  it('aborts a signal read before the deadline, and gives an aborted one when read after it', async () => {
    let early: AbortSignal | undefined;
    let late: AbortSignal | undefined;
    let finish!: () => void;
    const lateSuccess = vi.fn();
    const run = withDeadline(
      (attempt) => {
        early = attempt.signal;
        return new Promise<void>((resolve) => {
          finish = () => {
            late = attempt.signal;
            resolve();
          };
        });
      },
      20,
      lateSuccess,
    );
    await expect(run).rejects.toBeInstanceOf(AttemptTimeout);
    expect(early?.aborted).toBe(true);
    expect(early?.reason).toBeInstanceOf(AttemptTimeout);
    finish();
    await vi.waitFor(() => expect(lateSuccess).toHaveBeenCalledOnce());
    expect(late).toBe(early);
  });

  it('gives a signal first read after the deadline already aborted', async () => {
    let finish!: (read: AbortSignal) => void;
    const read = new Promise<AbortSignal>((resolve) => (finish = resolve));
    const run = withDeadline((attempt) => new Promise<void>(() => setTimeout(() => finish(attempt.signal), 40)), 10, () => undefined);
    await expect(run).rejects.toBeInstanceOf(AttemptTimeout);
    const signal = await read;
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBeInstanceOf(AttemptTimeout);
  });

  it('gives the attempts started in one turn one timer, cleared once they all settled', async () => {
    const armed = vi.spyOn(globalThis, 'setTimeout');
    const cleared = vi.spyOn(globalThis, 'clearTimeout');
    const MS = 12_345;
    const runs = Array.from({ length: 50 }, () => withDeadline(async () => undefined, MS, () => undefined));
    await Promise.all(runs);
    await new Promise((resolve) => setImmediate(resolve));
    expect(armed.mock.calls.filter((c) => c[1] === MS)).toHaveLength(1);
    const timer = armed.mock.results.find((_, i) => armed.mock.calls[i]![1] === MS)!.value as NodeJS.Timeout;
    expect(cleared).toHaveBeenCalledWith(timer);
    // The next turn's attempts get a timer of their own.
    await withDeadline(async () => undefined, MS, () => undefined);
    expect(armed.mock.calls.filter((c) => c[1] === MS)).toHaveLength(2);
  });

  it('still times out a hung attempt whose turn-mates settled, and only it', async () => {
    const fast = withDeadline(async () => undefined, 30, () => undefined);
    const hung = withDeadline(() => new Promise<void>(() => undefined), 30, () => undefined);
    const failed = withDeadline(async () => Promise.reject(new Error('refused')), 30, () => undefined);
    await expect(fast).resolves.toBeUndefined();
    await expect(failed).rejects.toThrow('refused');
    await expect(hung).rejects.toBeInstanceOf(AttemptTimeout);
  });
});
