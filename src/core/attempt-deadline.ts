/**
 * The deadline of one outbox attempt (design.md §5, "nothing is stranded"): a `send()` that never
 * settles must not hold its conversation for ever. Past the deadline the attempt is a retryable
 * failure; the signal tells the work to stop, and whatever it does later is ignored.
 */
import { RetryableError } from './errors.js';

/** Settled by the deadline rather than by the attempt. */
export class AttemptTimeout extends RetryableError {}

/**
 * Run `work` until it settles or `ms` pass, whichever is first. `onLate` hears of a success that
 * came after the deadline (the caller already treated the attempt as failed).
 */
export function withDeadline(work: (signal: AbortSignal) => Promise<void>, ms: number, onLate: () => void): Promise<void> {
  const abort = new AbortController();
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      const err = new AttemptTimeout(`no answer within ${ms} ms (attempt deadline)`);
      abort.abort(err);
      reject(err);
    }, ms);
    let running: Promise<void>;
    try {
      running = work(abort.signal);
    } catch (err) {
      running = Promise.reject(err);
    }
    running.then(
      () => {
        clearTimeout(timer);
        if (abort.signal.aborted) onLate();
        resolve();
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}
