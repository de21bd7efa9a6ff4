/**
 * A local HTTP server that speaks the part of Twilio's REST API the SMS bridge uses
 * (https://www.twilio.com/docs/messaging/api/message-resource): form-encoded
 * `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` with HTTP Basic auth, answering 201 with a
 * Message resource, or what a test planned (400 with Twilio error JSON, 429, 500). It records every
 * request. It also serves media at `/2010-04-01/Accounts/{sid}/Messages/{MM}/Media/{ME}` behind
 * Basic auth, and `postSignedWebhook` plays Twilio's side of webhooks and status callbacks,
 * signed with the SDK's own getExpectedTwilioSignature.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';

export interface RecordedRequest {
  method: string;
  path: string;
  /** Whether the Basic credentials matched. */
  authorized: boolean;
  /** Form fields; repeated keys (MediaUrl) keep every value. */
  form: Record<string, string[]>;
  headers: IncomingMessage['headers'];
  /** What the fake answered. */
  status: number;
  /** The MessageSid of a created message. */
  sid?: string;
}

/** A planned answer for the next Messages.create call. */
export type PlannedAnswer =
  | { status: 201 }
  | { status: 400 | 401 | 403 | 404; code: number; message: string }
  | { status: 429; retryAfter?: string }
  | { status: 500 | 502 | 503 }
  | { status: 'hang-up' };

export interface FakeTwilio {
  /** http://127.0.0.1:<port> */
  url: string;
  accountSid: string;
  authToken: string;
  requests: RecordedRequest[];
  /** Messages.create calls that were answered 201. */
  created(): RecordedRequest[];
  /** Answers for the next create calls, in order; afterwards 201 again. */
  plan(...answers: PlannedAnswer[]): void;
  /** URL of a media file served behind Basic auth (for inbound MMS re-hosting tests). */
  mediaUrl(name: string): string;
  mediaBytes: Buffer;
  close(): Promise<void>;
}

export function fakeSid(prefix: string): string {
  return prefix + randomBytes(16).toString('hex');
}

export async function startFakeTwilio(opts: { accountSid?: string; authToken?: string } = {}): Promise<FakeTwilio> {
  const accountSid = opts.accountSid ?? fakeSid('AC');
  const authToken = opts.authToken ?? randomBytes(16).toString('hex');
  const expectedAuth = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
  const requests: RecordedRequest[] = [];
  const planned: PlannedAnswer[] = [];
  const mediaBytes = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
  let url = '';

  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
  const twilioError = (status: number, code: number, message: string) => ({
    code,
    message,
    more_info: `https://www.twilio.com/docs/errors/${code}`,
    status,
  });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const form: Record<string, string[]> = {};
    for (const [k, v] of new URLSearchParams(Buffer.concat(chunks).toString('utf8'))) (form[k] ??= []).push(v);
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const authorized = req.headers.authorization === expectedAuth;
    const record: RecordedRequest = { method: req.method ?? '', path, authorized, form, headers: req.headers, status: 0 };
    requests.push(record);
    const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      record.status = status;
      json(res, status, body, headers);
    };

    if (req.method === 'GET' && /^\/2010-04-01\/Accounts\/[^/]+\/Messages\/[^/]+\/Media\/[^/]+$/.test(path)) {
      if (!authorized) return answer(401, twilioError(401, 20003, 'Authenticate'));
      record.status = 200;
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': String(mediaBytes.length) });
      return res.end(mediaBytes);
    }
    if (req.method !== 'POST' || path !== `/2010-04-01/Accounts/${accountSid}/Messages.json`) {
      return answer(404, twilioError(404, 20404, 'The requested resource was not found'));
    }
    if (!authorized) return answer(401, twilioError(401, 20003, 'Authenticate'));
    const next = planned.shift();
    if (next && next.status !== 201) {
      if (next.status === 'hang-up') {
        record.status = -1;
        req.socket.destroy();
        return;
      }
      if (next.status === 429) return answer(429, twilioError(429, 20429, 'Too Many Requests'), next.retryAfter ? { 'retry-after': next.retryAfter } : {});
      if ('code' in next) return answer(next.status, twilioError(next.status, next.code, next.message));
      return answer(next.status, { code: 20500, message: 'Internal Server Error', status: next.status });
    }
    const to = form.To?.[0];
    const body = form.Body?.[0];
    const media = form.MediaUrl ?? [];
    if (!to) return answer(400, twilioError(400, 21604, "A 'To' phone number is required."));
    if (!form.From?.[0] && !form.MessagingServiceSid?.[0]) return answer(400, twilioError(400, 21603, "A 'From' phone number is required."));
    if (!body && media.length === 0) return answer(400, twilioError(400, 21602, 'Message body is required.'));
    if (body && body.length > 1600) return answer(400, twilioError(400, 21617, 'The concatenated message body exceeds the 1600 character limit.'));
    const sid = fakeSid(media.length > 0 ? 'MM' : 'SM');
    record.sid = sid;
    const now = new Date().toUTCString();
    answer(201, {
      account_sid: accountSid,
      api_version: '2010-04-01',
      body: body ?? '',
      date_created: now,
      date_sent: null,
      date_updated: now,
      direction: 'outbound-api',
      error_code: null,
      error_message: null,
      from: form.From?.[0] ?? null,
      messaging_service_sid: form.MessagingServiceSid?.[0] ?? null,
      num_media: String(media.length),
      num_segments: '1',
      price: null,
      price_unit: 'USD',
      sid,
      status: form.MessagingServiceSid ? 'accepted' : 'queued',
      subresource_uris: { media: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}/Media.json` },
      to,
      uri: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}.json`,
    });
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      res.writeHead(500);
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    accountSid,
    authToken,
    requests,
    created: () => requests.filter((r) => r.status === 201),
    plan: (...answers) => void planned.push(...answers),
    mediaUrl: (name) => `${url}/2010-04-01/Accounts/${accountSid}/Messages/${fakeSid('MM')}/Media/${name}`,
    mediaBytes,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * POST a webhook the way Twilio does: form-encoded, signed for `signedUrl` (the public URL the
 * gateway is configured with), sent to `postUrl` (where it really listens).
 */
export async function postSignedWebhook(opts: {
  postUrl: string;
  signedUrl: string;
  authToken: string;
  params: Record<string, string>;
  /** Override the signature (forgery tests); null = no header at all. */
  signature?: string | null;
}): Promise<{ status: number; contentType: string | null; body: string }> {
  const signature = opts.signature === undefined ? twilio.getExpectedTwilioSignature(opts.authToken, opts.signedUrl, opts.params) : opts.signature;
  const res = await fetch(opts.postUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'user-agent': 'TwilioProxy/1.1',
      ...(signature !== null ? { 'x-twilio-signature': signature } : {}),
    },
    body: new URLSearchParams(opts.params).toString(),
  });
  return { status: res.status, contentType: res.headers.get('content-type'), body: await res.text() };
}

/** The parameters of an incoming-SMS webhook (https://www.twilio.com/docs/messaging/guides/webhook-request). */
export function inboundParams(o: {
  accountSid: string;
  from: string;
  to: string;
  body: string;
  sid?: string;
  media?: Array<{ url: string; type: string }>;
}): Record<string, string> {
  const sid = o.sid ?? fakeSid(o.media?.length ? 'MM' : 'SM');
  const params: Record<string, string> = {
    ToCountry: 'US',
    ToState: 'CA',
    SmsMessageSid: sid,
    NumMedia: String(o.media?.length ?? 0),
    ToCity: '',
    FromZip: '',
    SmsSid: sid,
    FromState: 'NY',
    SmsStatus: 'received',
    FromCity: 'NEW YORK',
    Body: o.body,
    FromCountry: 'US',
    To: o.to,
    ToZip: '',
    NumSegments: '1',
    MessageSid: sid,
    AccountSid: o.accountSid,
    From: o.from,
    ApiVersion: '2010-04-01',
  };
  o.media?.forEach((m, i) => {
    params[`MediaUrl${i}`] = m.url;
    params[`MediaContentType${i}`] = m.type;
  });
  return params;
}

/** The parameters of a status callback (https://www.twilio.com/docs/messaging/guides/track-outbound-message-status). */
export function statusParams(o: { accountSid: string; sid: string; status: string; from: string; to: string; errorCode?: number }): Record<string, string> {
  return {
    SmsSid: o.sid,
    SmsStatus: o.status,
    MessageStatus: o.status,
    To: o.to,
    MessageSid: o.sid,
    AccountSid: o.accountSid,
    From: o.from,
    ApiVersion: '2010-04-01',
    ...(o.errorCode !== undefined ? { ErrorCode: String(o.errorCode) } : {}),
  };
}
