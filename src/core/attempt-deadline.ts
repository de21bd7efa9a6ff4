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
 * One attempt in flight, and what it is told (`Attempt`): the accessors live on the prototype,
 * so an attempt costs one object, not an object and two closures.
 */
class Running implements Attempt {
  abort: AbortController | undefined;
  timedOut: AttemptTimeout | undefined;
  settled = false;

  constructor(
    readonly ms: number,
    readonly reject: (err: Error) => void,
  ) {}

  get signal(): AbortSignal {
    if (!this.abort) {
      this.abort = new AbortController();
      if (this.timedOut) this.abort.abort(this.timedOut);
    }
    return this.abort.signal;
  }

  get expired(): boolean {
    return this.timedOut !== undefined;
  }

  expire(): void {
    if (this.settled) return;
    this.settled = true;
    this.timedOut = new AttemptTimeout(`no answer within ${this.ms} ms (attempt deadline)`);
    this.abort?.abort(this.timedOut);
    this.reject(this.timedOut);
  }
}

/**
 * The attempts with the same deadline started in one event-loop turn share one timer: a lane
 * starts many attempts per turn under load, and a timer (armed, then cleared when the attempt
 * settles) per attempt cost more than the attempt's own work on the outbox's fast path (bench/irc.ts
 * --cpu-prof, XMPP→IRC: withDeadline and its timers and garbage). The shared deadline is the
 * first attempt's, so a later one of the turn may time out up to the length of that turn early,
 * never late. The timer is cleared when every attempt of its turn has settled.
 */
class TurnDeadline {
  private readonly attempts: Running[] = [];
  private live = 0;
  private open = true;
  private readonly timer: NodeJS.Timeout;

  constructor(ms: number) {
    this.timer = setTimeout(() => {
      for (const a of this.attempts) a.expire();
      this.attempts.length = 0;
    }, ms);
    setImmediate(() => {
      this.open = false;
      if (this.live === 0) this.clear();
    });
  }

  add(a: Running): void {
    this.attempts.push(a);
    this.live++;
  }

  settled(): void {
    if (--this.live === 0 && !this.open) this.clear();
  }

  get accepting(): boolean {
    return this.open;
  }

  private clear(): void {
    clearTimeout(this.timer);
    this.attempts.length = 0;
  }
}

/** The open turn's deadline per deadline length (one lane's attempts all have the same). */
const turns = new Map<number, TurnDeadline>();

function turnDeadline(ms: number): TurnDeadline {
  let t = turns.get(ms);
  if (!t || !t.accepting) turns.set(ms, (t = new TurnDeadline(ms)));
  return t;
}

/**
 * Run `work` until it settles or `ms` pass, whichever is first. `onLate` hears of a success that
 * came after the deadline (the caller already treated the attempt as failed).
 */
export function withDeadline(work: (attempt: Attempt) => Promise<void>, ms: number, onLate: () => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const attempt = new Running(ms, reject);
    const turn = turnDeadline(ms);
    turn.add(attempt);
    let running: Promise<void>;
    try {
      running = work(attempt);
    } catch (err) {
      running = Promise.reject(err);
    }
    running.then(
      () => {
        if (attempt.settled) return onLate();
        attempt.settled = true;
        turn.settled();
        resolve();
      },
      (err: unknown) => {
        if (attempt.settled) return;
        attempt.settled = true;
        turn.settled();
        reject(err);
      },
    );
  });
}
