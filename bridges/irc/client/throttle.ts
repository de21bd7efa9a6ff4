/**
 * Flood control for one IRC connection: a token bucket (biboumi's default: a burst of 10 lines,
 * then 1 line/s). Lines wait in order; nothing is ever dropped — a full queue refuses new work
 * up front so the caller can tell the user (resource-constraint).
 */

import { RetryableError } from '../../../src/core/errors.js';

/** What a line knows of its outbox attempt (core `SendOptions`): `signal` is made on first read. */
export interface Abortable {
  readonly signal?: AbortSignal;
  readonly expired?: boolean;
}

interface Pending {
  line: string;
  queuedAt: number;
  /** Taken out of the queue and written to the socket. */
  written: boolean;
  resolve(): void;
  reject(err: Error): void;
}

export class ThrottledQueue {
  private tokens: number;
  private last: number;
  private readonly queue: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writer: ((line: string) => void) | undefined;

  constructor(
    private readonly burst: number,
    private readonly perSecond: number,
    readonly maxQueue: number,
    private readonly now: () => number = Date.now,
    /** A line was written after waiting `waitedMs` in the queue (metrics). */
    private readonly onWritten: (waitedMs: number) => void = () => undefined,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  get length(): number {
    return this.queue.length;
  }

  /** Whether `n` more lines fit in the queue. */
  hasRoom(n: number): boolean {
    return this.queue.length + n <= this.maxQueue;
  }

  /** Start writing (after registration) with this sink. */
  attach(writer: (line: string) => void): void {
    this.writer = writer;
    this.drain();
  }

  /** Stop writing; queued lines stay (they are sent after a reconnect) unless `fail` is given. */
  detach(fail?: Error): void {
    this.writer = undefined;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (fail) for (const p of this.queue.splice(0)) p.reject(fail);
  }

  /**
   * Queue a line; resolves once it was written to the socket. An aborted attempt (the outbox
   * attempt's deadline, `attempt.signal`) takes the line out of the queue if it is still waiting
   * there, so a retried message cannot leave twice; a line already written stays written.
   * `attempt.signal` is read only for a line left waiting: on Node 20 making an attempt's signal
   * and its first listener cost ~10-20 µs per message (bench/irc.ts --cpu-prof), and most lines
   * are written at once; `attempt.expired` says cheaply whether the deadline already passed.
   */
  push(line: string, attempt?: Abortable): Promise<void> {
    if (attempt?.expired) return Promise.reject(new RetryableError('The attempt was aborted before the line was sent to IRC.'));
    // The common case: nothing waits and a token is free, so the line is written now.
    if (this.writer && !this.timer && this.queue.length === 0 && this.takeToken()) {
      this.writer(line);
      this.onWritten(0);
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const pending: Pending = { line, queuedAt: this.now(), written: false, resolve, reject };
      this.queue.push(pending);
      this.drain();
      if (pending.written) return;
      const signal = attempt?.signal;
      if (!signal) return;
      const onAbort = (): void => {
        const at = this.queue.indexOf(pending);
        if (at === -1) return;
        this.queue.splice(at, 1);
        reject(new RetryableError('The attempt was aborted while the line waited for flood control; it was not sent.'));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      pending.resolve = () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
    });
  }

  /** Take a token if one is free (always, without flood control). */
  private takeToken(): boolean {
    if (this.perSecond <= 0) return true;
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.perSecond);
    this.last = t;
  }

  private drain(): void {
    if (!this.writer || this.timer) return;
    while (this.queue.length > 0) {
      if (!this.takeToken()) {
        const waitMs = Math.ceil(((1 - this.tokens) / this.perSecond) * 1000);
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.drain();
        }, waitMs);
        return;
      }
      const p = this.queue.shift()!;
      p.written = true;
      this.writer(p.line);
      this.onWritten(this.now() - p.queuedAt);
      p.resolve();
    }
  }
}
