/**
 * The one backoff of the gateway: outbox retries, the XMPP component's reconnects and the IRC
 * sessions' reconnects all wait `backoffDelay` (exponential, capped, with jitter so that peers
 * that failed together do not retry in step), and the two reconnect loops share the rule of the
 * short first retry (`ReconnectSchedule`).
 */

export interface BackoffPolicy {
  /** The wait before the first retry (before jitter). */
  baseDelayMs: number;
  /** No wait is longer than this (before jitter). */
  maxDelayMs: number;
}

/**
 * Wait before retry `attempt` (1 = the first retry): base·2^(attempt-1), capped at the maximum,
 * then scaled by a random 50–100 % ("equal jitter": never less than half, so a storm is still
 * spread out, and the expected wait keeps growing).
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(0, attempt - 1), 30);
  const capped = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** exponent);
  return Math.round(capped * (0.5 + random() / 2));
}

/** The first retry after a stable connection dropped: the peer may be back at once (a blip). */
export const FIRST_RETRY_MAX_MS = 100;

/**
 * Only a connection that stayed up this long earns the short first retry and starts the backoff
 * over: a peer that accepts (or even registers) every connection and drops it soon after gets a
 * growing backoff, not ten tries a second.
 */
export const STABLE_CONNECTION_MS = 5000;

export interface ReconnectScheduleOptions {
  firstRetryMaxMs?: number;
  stableMs?: number;
  now?: () => number;
  random?: () => number;
}

/**
 * The waits of one reconnecting connection. `online()` when a connection is up (handshake done,
 * IRC registration done); `next()` for the wait before each new attempt, after a drop or a
 * failed attempt.
 */
export class ReconnectSchedule {
  private attempt = 0;
  private onlineSince: number | undefined;
  private readonly firstRetryMaxMs: number;
  private readonly stableMs: number;
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(
    private readonly policy: BackoffPolicy,
    options: ReconnectScheduleOptions = {},
  ) {
    this.firstRetryMaxMs = options.firstRetryMaxMs ?? FIRST_RETRY_MAX_MS;
    this.stableMs = options.stableMs ?? STABLE_CONNECTION_MS;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
  }

  /** Failed attempts since the last stable connection. */
  get attempts(): number {
    return this.attempt;
  }

  online(): void {
    this.onlineSince = this.now();
  }

  /** The wait before the next attempt. */
  next(): number {
    const stable = this.onlineSince !== undefined && this.now() - this.onlineSince >= this.stableMs;
    this.onlineSince = undefined;
    if (stable) {
      this.attempt = 0;
      return backoffDelay(1, { baseDelayMs: Math.min(this.policy.baseDelayMs, this.firstRetryMaxMs), maxDelayMs: this.policy.maxDelayMs }, this.random);
    }
    this.attempt++;
    return backoffDelay(this.attempt, this.policy, this.random);
  }
}
