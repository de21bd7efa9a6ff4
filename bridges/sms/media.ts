/**
 * Optional re-hosting of inbound MMS media (config `media.rehost`): the user gets
 * `<public>/sms/media/<token>` instead of Twilio's URL, and this gateway fetches the file from
 * Twilio with the account's HTTP Basic credentials when the URL is opened (Twilio can require
 * Basic auth on media URLs: https://www.twilio.com/docs/usage/security#http-authentication).
 * The token is an HMAC of the MessageSid and media index under the Auth Token: unguessable,
 * and the same on a replayed webhook.
 */
import { createHmac } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BridgeContext } from '../../src/core/bridge.js';
import { answerText } from './webhook-http.js';

interface MediaEntry {
  url: string;
  contentType?: string;
  at: number;
}

const PREFIX = 'media:';

export class MediaRehost {
  constructor(
    private readonly ctx: BridgeContext,
    private readonly auth: { accountSid: string; authToken: string },
    private readonly publicBase: string,
    private readonly maxBytes: number,
  ) {}

  /** Remember a Twilio media URL and return the gateway URL that serves it. */
  rehost(messageSid: string, index: number, url: string, contentType?: string): string {
    const token = createHmac('sha256', this.auth.authToken).update(`${messageSid}/${index}`).digest('base64url');
    this.ctx.kv.set(PREFIX + token, { url, ...(contentType ? { contentType } : {}), at: this.ctx.clock.now() } satisfies MediaEntry);
    return `${this.publicBase.replace(/\/$/, '')}/media/${token}`;
  }

  /** GET /sms/media/<token>. */
  async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return answerText(res, 405, 'method not allowed', { allow: 'GET, HEAD' });
    const token = new URL(req.url ?? '/', 'http://x').pathname.split('/').pop() ?? '';
    const entry = /^[A-Za-z0-9_-]{43}$/.test(token) ? this.ctx.kv.get<MediaEntry>(PREFIX + token) : undefined;
    if (!entry) return answerText(res, 404, 'not found');
    const basic = Buffer.from(`${this.auth.accountSid}:${this.auth.authToken}`).toString('base64');
    let upstream: globalThis.Response;
    try {
      // fetch drops Authorization on a cross-origin redirect (Twilio redirects media to its CDN).
      upstream = await fetch(entry.url, { headers: { authorization: `Basic ${basic}` }, signal: this.ctx.signal });
    } catch (err) {
      this.ctx.log.warn({ event: 'media_fetch_failed', err: (err as Error).message }, 'fetching media from Twilio failed');
      return answerText(res, 502, 'media unavailable');
    }
    if (!upstream.ok || !upstream.body) return answerText(res, 502, `media unavailable (upstream ${upstream.status})`);
    const length = Number(upstream.headers.get('content-length') ?? 0);
    if (length > this.maxBytes) return answerText(res, 413, 'media too large');
    const body = Buffer.from(await upstream.arrayBuffer());
    if (body.length > this.maxBytes) return answerText(res, 413, 'media too large');
    res.writeHead(200, {
      'content-type': upstream.headers.get('content-type') ?? entry.contentType ?? 'application/octet-stream',
      'content-length': String(body.length),
      'cache-control': 'private, max-age=86400',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  /** Forget media links older than `before`: their URLs answer 404 from then on. */
  prune(before: number): number {
    let n = 0;
    for (const { key, value } of this.ctx.kv.list<MediaEntry>(PREFIX)) {
      if ((value.at ?? 0) < before) {
        this.ctx.kv.delete(key);
        n += 1;
      }
    }
    return n;
  }
}
