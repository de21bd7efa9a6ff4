/**
 * HTTP plumbing shared by Twilio's webhooks: read the form body, check `X-Twilio-Signature`
 * against the URL Twilio was told (the public one: behind a proxy the local URL differs), and
 * the TwiML answers. Signature: https://www.twilio.com/docs/usage/webhooks/webhooks-security
 * (HMAC-SHA1 of the full URL + sorted POST params; the SDK's validateRequest also accepts the URL
 * with and without the default port).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BridgeContext } from '../../src/core/bridge.js';
import twilio from 'twilio';

export type WebhookParams = Record<string, string>;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Parse an application/x-www-form-urlencoded body (Twilio never repeats a webhook parameter). */
export function parseForm(body: Buffer): WebhookParams {
  const params: WebhookParams = {};
  for (const [k, v] of new URLSearchParams(body.toString('utf8'))) params[k] = v;
  return params;
}

/**
 * Read a form body of at most `maxBytes`. Over it (by Content-Length, or once that many bytes
 * arrived) → HttpError 413 and nothing more is read: the handler answers with
 * `connection: close`, so the rest of the body is never buffered.
 */
export function readForm(req: IncomingMessage, maxBytes: number): Promise<WebhookParams> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.reject(new HttpError(413, `request body over ${maxBytes} bytes`));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      req.off('data', onData);
      req.pause();
      chunks.length = 0;
      reject(new HttpError(413, `request body over ${maxBytes} bytes`));
    };
    req.on('data', onData);
    req.once('end', () => resolve(parseForm(Buffer.concat(chunks))));
    req.once('error', reject);
  });
}

/**
 * The URL Twilio signed: the bridge's public base (e.g. https://gw.example.org/sms) plus the
 * request path below the bridge's mount, query string included.
 */
export function signedUrl(publicBase: string, bridgeId: string, reqUrl: string): string {
  const prefix = `/${bridgeId}`;
  const path = reqUrl.startsWith(prefix) ? reqUrl.slice(prefix.length) : reqUrl;
  return publicBase.replace(/\/$/, '') + path;
}

export function signatureValid(authToken: string, req: IncomingMessage, url: string, params: WebhookParams): boolean {
  const header = req.headers['x-twilio-signature'];
  if (typeof header !== 'string' || header === '') return false;
  return twilio.validateRequest(authToken, header, url, params);
}

/** Empty TwiML: "received, no reply" (https://www.twilio.com/docs/messaging/twiml). */
export function answerTwiml(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8' });
  res.end('<?xml version="1.0" encoding="UTF-8"?><Response/>');
}

export function answerText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
  res.end(`${text}\n`);
}

/** What a signed webhook handler needs to check a request. */
export interface WebhookAuth {
  ctx: BridgeContext;
  authToken: string;
  accountSid: string;
  publicBase: string;
  /** Largest webhook body read (config `webhooks.max_body_bytes`). */
  maxBodyBytes: number;
}

/**
 * Read a Twilio webhook POST and check its X-Twilio-Signature against the public URL and its
 * AccountSid. Answers the request itself (405, 4xx, 403) and returns undefined when it is not
 * acceptable; nothing is delivered then.
 */
export async function readSignedWebhook(auth: WebhookAuth, req: IncomingMessage, res: ServerResponse, what: string): Promise<WebhookParams | undefined> {
  const { ctx } = auth;
  if (req.method !== 'POST') {
    answerText(res, 405, 'method not allowed', { allow: 'POST' });
    return undefined;
  }
  let params: WebhookParams;
  try {
    params = await readForm(req, auth.maxBodyBytes);
  } catch (err) {
    if (err instanceof HttpError) {
      ctx.log.warn({ event: 'webhook_refused', what, status: err.status }, `${what} refused: ${err.message}`);
      ctx.metrics.count('webhook_too_large');
      // Close: the unread rest of the body must not be read (and kept) to reuse the connection.
      answerText(res, err.status, err.message, { connection: 'close' });
      return undefined;
    }
    throw err;
  }
  const url = signedUrl(auth.publicBase, ctx.id, req.url ?? '/');
  if (!signatureValid(auth.authToken, req, url, params) || params.AccountSid !== auth.accountSid) {
    ctx.log.warn({ event: 'webhook_forbidden', what, url }, `${what} with a bad or missing X-Twilio-Signature`);
    ctx.metrics.count('webhook_forbidden');
    answerText(res, 403, 'invalid signature');
    return undefined;
  }
  return params;
}
