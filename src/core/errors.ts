import type { ErrorCondition, ErrorType } from './model.js';

/**
 * A permanent failure that the XMPP user must see, as an error stanza with an RFC 6120 §8.3
 * condition and a readable text. Bridges throw it from `send`, `resolve` and their hooks.
 */
export class StanzaError extends Error {
  readonly condition: ErrorCondition;
  readonly type: ErrorType;
  /** Extra, machine-readable detail (e.g. a Twilio error code), never a secret. */
  readonly code?: string;

  constructor(
    condition: ErrorCondition,
    text: string,
    options: { type?: ErrorType; code?: string; cause?: unknown } = {},
  ) {
    super(text, { cause: options.cause });
    this.name = 'StanzaError';
    this.condition = condition;
    this.type = options.type ?? defaultErrorType(condition);
    if (options.code !== undefined) this.code = options.code;
  }
}

/**
 * A transient failure (network down, HTTP 429/5xx, SMTP 4xx): the outbox retries the item with
 * exponential backoff and jitter, and reports it to the user only when the attempts run out.
 */
export class RetryableError extends Error {
  /** Earliest retry the network asked for (e.g. HTTP Retry-After), in milliseconds. */
  readonly retryAfterMs?: number;

  constructor(message: string, options: { retryAfterMs?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'RetryableError';
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
  }
}

/** RFC 6120 §8.3.3 gives each condition a usual error type; we follow it. */
export function defaultErrorType(condition: ErrorCondition): ErrorType {
  switch (condition) {
    case 'bad-request':
    case 'jid-malformed':
    case 'not-acceptable':
    case 'policy-violation':
    case 'redirect':
      return 'modify';
    case 'forbidden':
    case 'not-authorized':
    case 'registration-required':
    case 'subscription-required':
      return 'auth';
    case 'internal-server-error':
    case 'recipient-unavailable':
    case 'remote-server-timeout':
    case 'resource-constraint':
    case 'unexpected-request':
      return 'wait';
    default:
      return 'cancel';
  }
}

/**
 * Recognised by name too: a bridge loaded with `module:` may bring its own copy of these classes,
 * and its retries must still be retries.
 */
export function isRetryable(err: unknown): err is RetryableError {
  return err instanceof RetryableError || (err instanceof Error && err.name === 'RetryableError');
}

export function isStanzaError(err: unknown): err is StanzaError {
  return err instanceof StanzaError || (err instanceof Error && err.name === 'StanzaError' && typeof (err as { condition?: unknown }).condition === 'string');
}

/**
 * The one choke point that maps an exception to what the user sees (design.md §1.4):
 * StanzaError as is; anything else is a bug, reported as internal-server-error.
 */
export function toStanzaError(err: unknown): StanzaError {
  if (err instanceof StanzaError) return err;
  if (isStanzaError(err)) return new StanzaError(err.condition, err.message, { type: err.type, ...(err.code ? { code: err.code } : {}), cause: err });
  return new StanzaError('internal-server-error', 'The gateway failed to handle this; the operator has the details in the log.', {
    cause: err,
  });
}
