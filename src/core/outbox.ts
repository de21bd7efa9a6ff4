/**
 * The durable outbox workers (design.md §5): one lane per (bridge, direction). A lane runs at
 * most one item per ordering key at a time (per-conversation order) and up to `concurrency`
 * keys in parallel. Transient failures are retried with exponential backoff and jitter; after
 * `maxAttempts` the item is a dead letter and `onDead` tells the user.
 */
import type { Logger } from 'pino';
import { isRetryable, isStanzaError, type StanzaError } from './errors.js';
import type { Direction, OutboxRepo, OutboxRow } from './store.js';

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Exponential backoff with jitter: base·2^(n-1), capped, then scaled by a random 50–100 %. */
export function backoffDelay(attempt: number, policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>, random = Math.random): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp * (0.5 + random() / 2));
}

export type Outcome = 'done' | 'failed' | 'retry' | 'dead' | 'paused';

export interface LaneHooks {
  /** Deliver one item; throw RetryableError (retry), StanzaError (permanent) or anything (bug). */
  handle(row: OutboxRow): Promise<void>;
  /** A permanent failure (StanzaError or bug): tell the user. */
  onFailed(row: OutboxRow, error: StanzaError | Error): void;
  /** The attempts ran out: tell the user. */
  onDead(row: OutboxRow, error: Error): void;
  onOutcome?(row: OutboxRow, outcome: Outcome, error?: Error): void;
}

export interface LaneOptions {
  bridge: string;
  direction: Direction;
  concurrency: number;
  retry: RetryPolicy;
  now: () => number;
  log: Logger;
}

export class OutboxLane {
  private readonly inflight = new Map<string, Promise<void>>();
  private paused = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private pumpScheduled = false;
  /** Look for the next retry time on the next pump (after a retry, a resume, a timer). */
  private timerCheck = true;

  constructor(
    private readonly repo: OutboxRepo,
    private readonly options: LaneOptions,
    private readonly hooks: LaneHooks,
  ) {}

  /** Stop taking items (e.g. the component is offline); in-flight items finish. */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.timerCheck = true;
    this.kick();
  }

  get isPaused(): boolean {
    return this.paused;
  }

  get inflightCount(): number {
    return this.inflight.size;
  }

  /**
   * Look for due items soon (call after an enqueue). Kicks within one turn of the event loop
   * share one query: under load there are several per message.
   */
  kick(): void {
    if (this.stopped || this.paused || this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    if (this.stopped || this.paused) return;
    // One `now` for both queries: an item that becomes due between them would be in neither.
    const now = this.options.now();
    const free = this.options.concurrency - this.inflight.size;
    if (free > 0) {
      const busy = new Set(this.inflight.keys());
      for (const row of this.repo.due(this.options.bridge, this.options.direction, now, busy, free)) {
        this.run(row);
      }
    }
    if (this.timerCheck) {
      this.timerCheck = false;
      this.armTimer(now);
    }
  }

  /** Stop taking items and wait for those in flight. Pending items stay in the store. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await Promise.allSettled([...this.inflight.values()]);
  }

  private armTimer(now: number): void {
    // Items due now are taken when an in-flight item finishes; the timer is for future retries.
    const at = this.repo.nextDueAt(this.options.bridge, this.options.direction, now);
    if (at === undefined || at >= this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    const delay = Math.min(Math.max(0, at - now) + 5, 60_000);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.timerCheck = true;
      this.kick();
    }, delay);
    this.timer.unref();
  }

  private run(row: OutboxRow): void {
    const p = this.attempt(row).finally(() => {
      this.inflight.delete(row.okey);
      this.kick();
    });
    this.inflight.set(row.okey, p);
  }

  private async attempt(row: OutboxRow): Promise<void> {
    const { repo, options, hooks } = this;
    try {
      await hooks.handle(row);
      repo.markDone(row.id, options.now());
      hooks.onOutcome?.(row, 'done');
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      if (isRetryable(error) && this.paused) {
        // Failed because the path went down while sending: not the item's fault, no attempt counted.
        hooks.onOutcome?.(row, 'paused', error);
        return;
      }
      if (isRetryable(error)) {
        const attempts = row.attempts + 1;
        if (attempts >= options.retry.maxAttempts) {
          repo.markDead(row.id, error.message, options.now());
          options.log.warn({ event: 'dead_letter', id: row.id, user: row.user, attempts, err: error.message }, 'outbox item is a dead letter');
          hooks.onOutcome?.(row, 'dead', error);
          hooks.onDead(row, error);
          return;
        }
        const delay = Math.max(backoffDelay(attempts, options.retry), error.retryAfterMs ?? 0);
        repo.retryLater(row.id, options.now() + delay, error.message, options.now());
        this.timerCheck = true;
        options.log.info({ event: 'retry', id: row.id, user: row.user, attempts, delayMs: delay, err: error.message }, 'outbox item will be retried');
        hooks.onOutcome?.(row, 'retry', error);
        return;
      }
      if (!isStanzaError(error)) {
        options.log.error({ event: 'bug', id: row.id, user: row.user, err: error }, 'unexpected error while delivering');
      }
      repo.markDone(row.id, options.now(), error.message);
      hooks.onOutcome?.(row, 'failed', error);
      hooks.onFailed(row, error);
    }
  }
}
