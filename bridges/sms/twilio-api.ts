/**
 * The Twilio Messages API through the official `twilio` SDK, with two additions:
 *  - a configurable base URL: the SDK has no such option and rewrites hostnames for
 *    TWILIO_REGION/TWILIO_EDGE, so our RequestClient replaces the whole origin of each request
 *    (the SDK's documented extension point, advanced-examples/custom-http-client.md);
 *  - error classification (design.md §1.4): HTTP 429/5xx and network failures are transient
 *    (RetryableError, with Retry-After honoured); other 4xx are permanent (StanzaError with the
 *    Twilio code and its meaning).
 * Errors never carry the SDK's/axios' objects: those hold the Authorization header.
 */
import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';

import { RetryableError, StanzaError } from '../../src/core/errors.js';
import { twilioError, twilioErrorText } from './twilio-errors.js';

export interface CreateMessage {
  to: string;
  /** Exactly one of from / messagingServiceSid. */
  from?: string;
  messagingServiceSid?: string;
  body?: string;
  mediaUrl?: string[];
  statusCallback?: string;
}

export interface CreatedMessage {
  sid: string;
  status: string;
  numSegments?: number;
}

/** A transient HTTP answer (429/5xx), raised before the SDK turns it into a RestException. */
class TransientHttpError extends Error {
  constructor(
    readonly status: number,
    readonly retryAfterMs: number | undefined,
    readonly code: number | undefined,
  ) {
    super(`Twilio API answered HTTP ${status}${code !== undefined ? ` (code ${code})` : ''}`);
  }
}

/** RFC 9110 §10.2.3 Retry-After: delay-seconds or an HTTP-date. */
export function parseRetryAfter(value: unknown, now: number): number | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function errorCodeOf(body: unknown): number | undefined {
  let parsed = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  const code = (parsed as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/**
 * The SDK's `messages.create` takes no signal. It calls our `request` synchronously
 * (Version.create → Twilio.request → httpClient.request), so `createMessage` leaves the signal in
 * `pending` for that call; `request` names it in a private header, and our interceptor swaps the
 * header for axios' `config.signal` (which aborts the request and its socket): the header never
 * leaves the process.
 */
const SIGNAL_HEADER = 'x-switchboard-attempt';

class GatewayRequestClient extends twilio.RequestClient {
  /** Signals of requests in flight, by the id in SIGNAL_HEADER. */
  private readonly signals = new Map<string, AbortSignal>();
  private nextId = 0;
  /** The signal for the request the next synchronous `request` call makes. */
  pending: AbortSignal | undefined;

  constructor(
    private readonly baseUrl: URL | undefined,
    timeoutMs: number,
  ) {
    super({ timeout: timeoutMs, keepAlive: true });
    this.axios.interceptors.request.use((config) => {
      const id = config.headers.get(SIGNAL_HEADER);
      if (typeof id === 'string') {
        config.headers.delete(SIGNAL_HEADER);
        const signal = this.signals.get(id);
        if (signal) config.signal = signal;
      }
      return config;
    });
  }

  // Return type inferred from super.request (the SDK's Response class is not importable as a type from ESM).
  override request<TData>(opts: RequestClient.RequestOptions<TData>) {
    let uri = opts.uri;
    if (this.baseUrl) {
      const original = new URL(opts.uri);
      uri = this.baseUrl.href.replace(/\/$/, '') + original.pathname + original.search;
    }
    const signal = this.pending;
    this.pending = undefined;
    const id = signal ? String(++this.nextId) : undefined;
    if (id) this.signals.set(id, signal!);
    const headers = id ? { ...opts.headers, [SIGNAL_HEADER]: id } : opts.headers;
    return super
      .request<TData>({ ...opts, uri, ...(headers ? { headers } : {}) })
      .then((res) => {
        if (res.statusCode === 429 || res.statusCode >= 500) {
          const h = (res.headers ?? {}) as Record<string, unknown>;
          throw new TransientHttpError(res.statusCode, parseRetryAfter(h['retry-after'], Date.now()), errorCodeOf(res.body));
        }
        return res;
      })
      .finally(() => {
        if (id) this.signals.delete(id);
      });
  }
}

/** Twilio could not be reached at all (as opposed to an answer from Twilio): the bridge's health. */
export class TwilioUnreachableError extends RetryableError {}

/**
 * Map what the SDK threw to RetryableError / StanzaError, without leaking credentials (axios
 * errors carry the request config, Authorization header included, so they are never passed on).
 * Anything else is a bug and is returned as it is.
 */
export function classifyTwilioError(err: unknown): Error {
  if (err instanceof TransientHttpError) {
    return new RetryableError(err.message, err.retryAfterMs !== undefined ? { retryAfterMs: err.retryAfterMs } : {});
  }
  if (err instanceof twilio.RestException) {
    const info = twilioError(err.code, 'not-acceptable');
    const detail = err.code === undefined && err.message ? ` (${err.message})` : '';
    return new StanzaError(info.condition, twilioErrorText(err.code, info.meaning) + detail, {
      ...(err.code !== undefined ? { code: String(err.code) } : {}),
    });
  }
  const e = err as { isAxiosError?: unknown; code?: unknown; message?: unknown } | null;
  if (e?.code === 'ERR_CANCELED') {
    // Our own abort (the attempt's deadline): says nothing about Twilio's health.
    return new RetryableError('the request to the Twilio API was aborted at the attempt deadline');
  }
  if (e?.isAxiosError === true) {
    // No HTTP answer (validateStatus accepts every status): connection refused, reset, timeout.
    const code = typeof e.code === 'string' ? e.code : 'no response';
    return new TwilioUnreachableError(`Twilio API unreachable: ${code}`);
  }
  return err instanceof Error ? err : new Error(String(err));
}

export class TwilioApi {
  private readonly client: twilio.Twilio;
  private readonly http: GatewayRequestClient;

  constructor(options: { accountSid: string; authToken: string; baseUrl?: string; timeoutMs: number }) {
    this.http = new GatewayRequestClient(options.baseUrl ? new URL(options.baseUrl) : undefined, options.timeoutMs);
    this.client = twilio(options.accountSid, options.authToken, {
      httpClient: this.http,
      // Retries belong to the outbox (durable, with backoff), not to the SDK.
      autoRetry: false,
    });
  }

  /**
   * POST /2010-04-01/Accounts/{sid}/Messages.json. Throws RetryableError or StanzaError. An
   * aborted `signal` aborts the HTTP request (RetryableError).
   */
  async createMessage(m: CreateMessage, signal?: AbortSignal): Promise<CreatedMessage> {
    if (signal?.aborted) throw new RetryableError('the attempt was aborted before its request to the Twilio API');
    try {
      const create = () => this.client.messages.create({
        to: m.to,
        ...(m.from !== undefined ? { from: m.from } : {}),
        ...(m.messagingServiceSid !== undefined ? { messagingServiceSid: m.messagingServiceSid } : {}),
        ...(m.body !== undefined && m.body !== '' ? { body: m.body } : {}),
        ...(m.mediaUrl && m.mediaUrl.length > 0 ? { mediaUrl: m.mediaUrl } : {}),
        ...(m.statusCallback !== undefined ? { statusCallback: m.statusCallback } : {}),
      });
      this.http.pending = signal;
      let created: ReturnType<typeof create>;
      try {
        created = create();
      } finally {
        this.http.pending = undefined;
      }
      const msg = await created;
      const segments = Number(msg.numSegments);
      return { sid: msg.sid, status: msg.status, ...(Number.isFinite(segments) ? { numSegments: segments } : {}) };
    } catch (err) {
      throw classifyTwilioError(err);
    }
  }
}
