/**
 * The deadline of one outbox attempt (design.md §5, "nothing is stranded"): a `send()` that never
 * settles must not hold its conversation for ever. Past the deadline the attempt is a retryable
 * failure; the signal tells the work to stop, and whatever it does later is ignored.
 */
import { RetryableError } from './errors.js';

/** Settled by the deadline rather than by the attempt. */
export class AttemptTimeout extends RetryableError {}

/**
 * What an attempt is told of its deadline. `signal` is made on first read: an AbortSignal costs
 * about as much as handing a stanza to the XMPP server (on Node 20, ~5-20 µs with its first
 * listener), and most attempts (every inbound stanza) never look at it.
 */
export interface Attempt {
  /** Aborted (with an AttemptTimeout) when the deadline passes. */
  readonly signal: AbortSignal;
  /** Whether the deadline has passed: what `signal.aborted` says, without making the signal. */
  readonly expired: boolean;
}

/**
 * Run `work` until it settles or `ms` pass, whichever is first. `onLate` hears of a success that
 * came after the deadline (the caller already treated the attempt as failed).
 */
export function withDeadline(work: (attempt: Attempt) => Promise<void>, ms: number, onLate: () => void): Promise<void> {
  let abort: AbortController | undefined;
  let timedOut: AttemptTimeout | undefined;
  const attempt: Attempt = {
    get signal() {
      if (!abort) {
        abort = new AbortController();
        if (timedOut) abort.abort(timedOut);
      }
      return abort.signal;
    },
    get expired() {
      return timedOut !== undefined;
    },
  };
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      timedOut = new AttemptTimeout(`no answer within ${ms} ms (attempt deadline)`);
      abort?.abort(timedOut);
      reject(timedOut);
    }, ms);
    let running: Promise<void>;
    try {
      running = work(attempt);
    } catch (err) {
      running = Promise.reject(err);
    }
    running.then(
      () => {
        clearTimeout(timer);
        if (timedOut) onLate();
        resolve();
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}
