/**
 * The durable outbox workers (design.md §5): one lane per (bridge, direction). A lane runs at
 * most one item per ordering key at a time (per-conversation order) and up to `concurrency`
 * keys in parallel. Transient failures are retried with exponential backoff and jitter; after
 * `maxAttempts` the item is a dead letter and `onDead` tells the user.
 *
 * Nothing can be stranded (design.md §5): every attempt has a deadline (a hung `handle` is a
 * retryable failure and its late result is ignored), and a periodic sweep looks at every key
 * again, so a due row that no timer or kick reached is still taken.
 */
import { backoffDelay } from './backoff.js';
import { withDeadline } from './attempt-deadline.js';
import { isRetryable, isStanzaError } from './errors.js';
import type { LaneHooks, LaneOptions, Outcome } from './lane-types.js';
import type { Direction, OutboxRepo, OutboxRow } from './store.js';

export type { LaneHooks, LaneOptions, Outcome, RetryPolicy } from './lane-types.js';

/**
 * Pumps run as microtasks, before the group commit at the end of the event-loop turn, so an item
 * enqueued in a turn is handled in that same turn and its enqueue, its `done` and whatever its
 * handling wrote share one commit. Past this many pumps in a turn, the next waits for the next
 * turn, so a long backlog cannot keep the event loop from its sockets.
 */
const MICROTASK_PUMPS_PER_TURN = 64;

export class OutboxLane {
  private readonly inflight = new Map<string, Promise<void>>();
  private paused = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private sweep: NodeJS.Timeout | undefined;
  private pumpScheduled = false;
  private turnPumps = 0;
  /** Keys with new items (from `kick(okey)`): a pump reads only their chains. */
  private readonly dirty = new Set<string>();
  /** Look at every key (start, resume, retry timer, revived rows): `kick()` without a key. */
  private scanAll = true;
  /** Look for the next retry time on the next pump (after a retry, a resume, a timer). */
  private timerCheck = true;

  constructor(
    private readonly repo: OutboxRepo,
    private readonly options: LaneOptions,
    private readonly hooks: LaneHooks,
  ) {
    const every = options.sweepMs ?? 5000;
    if (every > 0) {
      this.sweep = setInterval(() => {
        this.timerCheck = true;
        this.kick();
      }, every);
      this.sweep.unref();
    }
  }

  /** Stop taking items (e.g. the component is offline); in-flight items finish. */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.timerCheck = true;
    this.kick();
  }

  /** A row of this lane was given a later due time from outside (a bounce): look for it then. */
  rescheduled(): void {
    this.timerCheck = true;
    this.kick();
  }

  private get chainLength(): number {
    return this.options.chain ?? 32;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  get inflightCount(): number {
    return this.inflight.size;
  }

  get direction(): Direction {
    return this.options.direction;
  }

  get bridge(): string {
    return this.options.bridge;
  }

  /**
   * How long (ms) the oldest row that could run has been due: the head of a key that is not in
   * flight. 0 when there is none. A value that keeps growing means a stranded item (or a lane
   * that is paused or saturated), which is what the alert on this gauge is for.
   */
  oldestDueAgeMs(now = this.options.now()): number {
    const { bridge, direction } = this.options;
    for (const head of this.repo.dueHeads(bridge, direction, now, this.inflight.size + 1)) {
      if (!this.inflight.has(head.okey)) return Math.max(0, now - head.nextAt);
    }
    return 0;
  }

  /**
   * Look for due items soon: `kick(okey)` after an enqueue to that key, `kick()` to look at every
   * key (rows revived by an admin). Kicks before the pump runs share it.
   * An item may be handled before its enqueue is committed: if the commit then fails, the item
   * was delivered and its source hears of a failure (at least once, never lost).
   */
  kick(okey?: string): void {
    if (okey === undefined) this.scanAll = true;
    else this.dirty.add(okey);
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped || this.paused || this.pumpScheduled) return;
    this.pumpScheduled = true;
    const run = (): void => {
      this.pumpScheduled = false;
      this.pump();
    };
    if (this.turnPumps === 0) setImmediate(() => (this.turnPumps = 0));
    if (this.turnPumps++ < MICROTASK_PUMPS_PER_TURN) queueMicrotask(run);
    else setImmediate(run);
  }

  private pump(): void {
    if (this.stopped || this.paused) return;
    // One `now` for both queries: an item that becomes due between them would be in neither.
    const now = this.options.now();
    const free = this.options.concurrency - this.inflight.size;
    if (free > 0) {
      for (const chain of this.dueChains(now, free)) this.run(chain);
    }
    if (this.timerCheck) {
      this.timerCheck = false;
      this.armTimer(now);
    }
  }

  /** Chains to start: every key's after `kick()`, else only those of the keys kicked since. */
  private dueChains(now: number, free: number): OutboxRow[][] {
    const { bridge, direction } = this.options;
    if (this.scanAll) {
      this.scanAll = false;
      this.dirty.clear();
      const chains = this.repo.due(bridge, direction, now, new Set(this.inflight.keys()), free, this.chainLength);
      // More keys may be waiting than there was room for: look again when one finishes.
      if (chains.length === free) this.scanAll = true;
      return chains;
    }
    const chains: OutboxRow[][] = [];
    for (const okey of this.dirty) {
      if (chains.length >= free) break;
      if (this.inflight.has(okey)) continue; // looked at when its running chain ends
      this.dirty.delete(okey);
      const chain = this.repo.dueFor(bridge, direction, okey, now, this.chainLength);
      if (chain.length > 0) chains.push(chain);
    }
    return chains;
  }

  /** Stop taking items and wait for those in flight. Pending items stay in the store. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.sweep) clearInterval(this.sweep);
    await Promise.allSettled([...this.inflight.values()]);
  }

  private armTimer(now: number): void {
    // Items due now are taken when an in-flight item finishes; the timer is for future retries.
    const at = this.repo.nextDueAt(this.options.bridge, this.options.direction, now);
    if (at !== undefined) this.armAt(at, now);
  }

  /** Look at every key again at `at` (or 5 ms from now if that is already past), unless a timer fires sooner. */
  private armAt(at: number, now: number): void {
    if (this.stopped || at >= this.timerAt) return;
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

  /** Run one key's chain in order; it ends early at an item that did not finish (retry, dead, pause). */
  private run(chain: OutboxRow[]): void {
    const okey = chain[0]!.okey;
    const p = this.runChain(chain)
      .catch((err: unknown) => {
        this.options.log.error({ event: 'bug', okey, err }, 'outbox hook failed');
        return false;
      })
      .then((finished) => {
        this.inflight.delete(okey);
        // A whole chain went: more may be behind it. Otherwise only new kicks bring work.
        if (finished && chain.length === this.chainLength) this.dirty.add(okey);
        if (this.dirty.size > 0 || this.scanAll || this.timerCheck) this.schedule();
      });
    this.inflight.set(okey, p);
  }

  /** Whether every item of the chain finished (done or failed for good). */
  private async runChain(chain: OutboxRow[]): Promise<boolean> {
    if (this.options.pipelined) return this.runPipelined(chain);
    for (const row of chain) {
      if (this.stopped || this.paused || row.nextAt > this.options.now()) return false;
      const outcome = this.settle(row, await this.start(row));
      if (outcome !== 'done' && outcome !== 'failed') return false;
    }
    return true;
  }

  /** `LaneOptions.pipelined`: the chain's items go to the hook at once, in order; outcomes are written in order. */
  private async runPipelined(chain: OutboxRow[]): Promise<boolean> {
    const now = this.options.now();
    const started: Array<{ row: OutboxRow; result: Promise<Error | undefined> }> = [];
    for (const row of chain) {
      if (this.stopped || this.paused || row.nextAt > now) break;
      started.push({ row, result: this.start(row) });
    }
    let finished = started.length === chain.length;
    for (const { row, result } of started) {
      const outcome = this.settle(row, await result);
      if (outcome !== 'done' && outcome !== 'failed') finished = false;
    }
    return finished;
  }

  /** One attempt of the row, within its deadline: undefined when it succeeded, else its error. */
  private start(row: OutboxRow): Promise<Error | undefined> {
    const { options, hooks } = this;
    // Only `settle` writes the row, once per attempt: a late success cannot mark it done.
    return withDeadline((attempt) => hooks.handle(row, attempt), options.attemptTimeoutMs ?? 30_000, () =>
      options.log.warn({ event: 'late_result', id: row.id, user: row.user }, 'an attempt succeeded after its deadline; it was counted as failed'),
    ).then(
      () => undefined,
      (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
    );
  }

  /** Write the outcome of an attempt of `row` (`error`: undefined when it succeeded). */
  private settle(row: OutboxRow, error: Error | undefined): Outcome {
    const { repo, options, hooks } = this;
    if (error === undefined) {
      repo.markDone(row.id, options.now());
      hooks.onOutcome?.(row, 'done');
      return 'done';
    }
    if (hooks.ephemeral?.(row)) {
      repo.markDone(row.id, options.now(), error.message);
      options.log.debug({ event: 'ephemeral_dropped', id: row.id, user: row.user, err: error.message }, 'an ephemeral item failed; dropped');
      hooks.onOutcome?.(row, 'failed', error);
      return 'failed';
    }
    if (isRetryable(error) && this.paused) {
      // Failed because the path went down while sending: not the item's fault, no attempt counted.
      hooks.onOutcome?.(row, 'paused', error);
      return 'paused';
    }
    if (isRetryable(error)) {
      const attempts = row.attempts + 1;
      if (attempts >= options.retry.maxAttempts) {
        repo.markDead(row.id, error.message, options.now());
        options.log.warn({ event: 'dead_letter', id: row.id, user: row.user, attempts, err: error.message }, 'outbox item is a dead letter');
        hooks.onOutcome?.(row, 'dead', error);
        hooks.onDead(row, error);
        return 'dead';
      }
      const delay = Math.max(backoffDelay(attempts, options.retry), error.retryAfterMs ?? 0);
      const now = options.now();
      repo.retryLater(row.id, now + delay, error.message, now);
      // Armed here, not by the next pump's query for future retries: on a loaded machine that
      // pump can run after this row is already due, and it would then wait for the next kick.
      this.armAt(now + delay, now);
      options.log.info({ event: 'retry', id: row.id, user: row.user, attempts, delayMs: delay, err: error.message }, 'outbox item will be retried');
      hooks.onOutcome?.(row, 'retry', error);
      return 'retry';
    }
    if (!isStanzaError(error)) {
      options.log.error({ event: 'bug', id: row.id, user: row.user, err: error }, 'unexpected error while delivering');
    }
    repo.markDone(row.id, options.now(), error.message);
    hooks.onOutcome?.(row, 'failed', error);
    hooks.onFailed(row, error);
    return 'failed';
  }
}
