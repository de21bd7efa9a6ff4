/** The contract of an outbox lane (src/core/outbox.ts): its hooks, options and outcomes. */
import type { Attempt } from './attempt-deadline.js';
import type { Logger } from 'pino';
import type { StanzaError } from './errors.js';
import type { Direction, OutboxRow } from './store.js';

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export type Outcome = 'done' | 'failed' | 'retry' | 'dead' | 'paused';

export interface LaneHooks {
  /**
   * Deliver one item; throw RetryableError (retry), StanzaError (permanent) or anything (bug).
   * `attempt.signal` aborts when the attempt's deadline passes: what the attempt does after that
   * is ignored (the item is retried), so it should stop. Read it only when there is work to stop
   * (it is made on first read).
   */
  handle(row: OutboxRow, attempt: Attempt): Promise<void>;
  /** A permanent failure (StanzaError or bug): tell the user. */
  onFailed(row: OutboxRow, error: StanzaError | Error): void;
  /** The attempts ran out: tell the user. */
  onDead(row: OutboxRow, error: Error): void;
  onOutcome?(row: OutboxRow, outcome: Outcome, error?: Error): void;
  /**
   * Whether the row is ephemeral (core/ephemeral.ts): any failure of its attempt ends it (done,
   * with the error noted), without a retry, `onFailed` or `onDead`. Asked only on a failure.
   */
  ephemeral?(row: OutboxRow): boolean;
}

export interface LaneOptions {
  bridge: string;
  direction: Direction;
  concurrency: number;
  /** Items of one ordering key taken at once and run one after the other (default 32). */
  chain?: number;
  /**
   * Hand a key's chain to `handle` all at once, in order, and write the outcomes in order (default
   * false: one item after the other). Only for a hook whose items leave in call order on one
   * stream, where a transient failure of one item fails every item written after it (the inbound
   * lane: stanzas on the component's connection), so that order per key holds without waiting
   * for each write to complete.
   */
  pipelined?: boolean;
  retry: RetryPolicy;
  /** Deadline of one attempt (ms): past it the attempt is a retryable failure (default 30 s). */
  attemptTimeoutMs?: number;
  /** How often every key is looked at again, whatever timers and kicks did (ms, default 5 s; 0 = never). */
  sweepMs?: number;
  now: () => number;
  log: Logger;
}
