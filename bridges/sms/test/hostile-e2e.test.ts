// Hostile texts through the built gateway and a real Prosody and ejabberd (issue 9): control
// characters, non-characters and invalid UTF-8 in signed webhooks, oversized webhook bodies,
// and risky text from XMPP to the Twilio API. After each, the next normal text arrives and the
// component never reconnected.
import { createHmac } from 'node:crypto';
import { connect } from 'node:net';
import { xml } from '@xmpp/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasInvalidXmlChars } from '../../../src/xmpp/xml-safe.js';
import { startEjabberd } from '../../../test/helpers/ejabberd.js';
import { startGateway, type RunningGateway } from '../../../test/helpers/gateway.js';
import { freePort } from '../../../test/helpers/ports.js';
import { startProsody } from '../../../test/helpers/prosody.js';
import type { XmppServer, XmppServerOptions } from '../../../test/helpers/server-process.js';
import { inboundParams, postSignedWebhook, startFakeTwilio, type FakeTwilio } from '../../../test/helpers/sms-fake-twilio.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { connectClient, type TestClient } from '../../../test/helpers/xmpp-client.js';

const DOMAIN = 'sms.localhost';
const SECRET = 'sms-hostile-secret';
const PUBLIC = 'https://sms-hostile.example.org';
const ALICE_NUMBER = '+15550002001';
const MAX_BODY = 16_384;
const HOSTILE = `a${Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)).join('')}b\u007f\u0085\u009fc\uFFFE\uFFFFd`;

let seq = 0;
const uid = (p: string) => `${p}-${Date.now().toString(36)}-${(seq += 1)}`;

/** Twilio's signature (HMAC-SHA1 of the URL and the sorted parameters), for bodies built by hand. */
function sign(token: string, url: string, params: Record<string, string>): string {
  const data = url + Object.keys(params).sort().map((k) => k + params[k]).join('');
  return createHmac('sha1', token).update(Buffer.from(data, 'utf8')).digest('base64');
}

const servers: Array<[string, (opts: XmppServerOptions) => Promise<XmppServer>]> = [
  ['prosody', startProsody],
  ['ejabberd', startEjabberd],
];

describe.each(servers)('hostile texts through %s', (_name, start) => {
  let server: XmppServer;
  let twilio: FakeTwilio;
  let gateway: RunningGateway;
  let httpPort: number;
  let alice: TestClient;

  beforeAll(async () => {
    twilio = await startFakeTwilio();
    httpPort = await freePort();
    server = await start({ components: [{ domain: DOMAIN, secret: SECRET }], users: [{ username: 'alice', password: 'pw-alice' }] });
    gateway = await startGateway({
      xmppPort: server.componentPort,
      env: { TWILIO_AUTH_TOKEN: twilio.authToken },
      extra: { http: { host: '127.0.0.1', port: httpPort, public_url: PUBLIC } },
      bridges: {
        sms: {
          domain: DOMAIN,
          component_secret: SECRET,
          access: { users: [`alice@${server.domain}`] },
          options: {
            account_sid: twilio.accountSid,
            auth_token: '${TWILIO_AUTH_TOKEN}',
            api_base_url: twilio.url,
            numbers: { [`alice@${server.domain}`]: ALICE_NUMBER },
            webhooks: { max_body_bytes: MAX_BODY },
          },
        },
      },
    });
    alice = await connectClient(server, 'alice', 'pw-alice');
  }, 90_000);

  afterAll(async () => {
    await alice?.stop();
    await gateway?.stop();
    await server?.stop();
    await twilio?.close();
  });

  const inboundUrl = `http://127.0.0.1:0/sms/inbound`;
  const post = (params: Record<string, string>) =>
    postSignedWebhook({ postUrl: inboundUrl.replace(':0', `:${httpPort}`), signedUrl: `${PUBLIC}/sms/inbound`, authToken: twilio.authToken, params });
  const text = (from: string, body: string, extra: Record<string, string> = {}) => ({
    ...inboundParams({ accountSid: twilio.accountSid, from, to: ALICE_NUMBER, body }),
    ...extra,
  });
  /** The next normal text still arrives, and the component stream was never re-opened. */
  const stillServing = async () => {
    const body = uid('normal');
    expect((await post(text('+15557771000', body))).status).toBe(200);
    await alice.waitForStanza((s) => s.getChildText('body') === body, 'the next normal text');
    expect(gateway.stdout().match(/"event":"connecting"/g)).toHaveLength(1);
    for (const s of alice.received) expect(hasInvalidXmlChars(s.toString())).toBe(false);
  };

  it('control characters and non-characters in the body, the sender and the media type', async () => {
    const from = '+15557771001';
    const params = text(`${from}\u0007`, `${HOSTILE}\r\nsecond\rthird`, {
      NumMedia: '2',
      MediaUrl0: 'https://api.twilio.com/2010-04-01/Accounts/AC/Messages/MM1/Media/ME1',
      MediaContentType0: 'image/\u001bjpeg\u0000',
      MediaUrl1: 'javascript:alert(1)',
      MediaContentType1: 'text/html',
    });
    expect((await post(params)).status).toBe(200);
    const msg = await alice.waitForStanza((s) => s.attrs.from === `${from}@${DOMAIN}` && !s.getChild('x', 'jabber:x:oob'), 'the text');
    expect(msg.getChildText('body')).toBe('a\t\n\nbc\uFFFD\uFFFDd\nsecond\nthird');
    const media = await alice.waitForStanza((s) => s.attrs.from === `${from}@${DOMAIN}` && !!s.getChild('x', 'jabber:x:oob'), 'the media');
    expect(media.getChild('x', 'jabber:x:oob')?.getChildText('desc')).toBe('image/jpeg');
    await stillServing();
    // The javascript: "media" is not offered.
    expect(alice.received.filter((s) => s.attrs.from === `${from}@${DOMAIN}`)).toHaveLength(2);
  });

  it('invalid UTF-8 in the form body arrives as U+FFFD', async () => {
    const from = '+15557771002';
    const params = text(from, 'bad \uFFFD\uFFFD bytes');
    const form = new URLSearchParams(params).toString().replace(encodeURIComponent('\uFFFD\uFFFD'), '%FF%C0');
    const res = await fetch(`http://127.0.0.1:${httpPort}/sms/inbound`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': sign(twilio.authToken, `${PUBLIC}/sms/inbound`, params) },
      body: form,
    });
    expect(res.status).toBe(200);
    const msg = await alice.waitForStanza((s) => s.attrs.from === `${from}@${DOMAIN}`, 'the text');
    expect(msg.getChildText('body')).toBe('bad \uFFFD\uFFFD bytes');
    await stillServing();
  });

  it('an oversized webhook with a valid signature gets 413 and delivers nothing, by Content-Length or chunked', async () => {
    const from = '+15557771003';
    const params = text(from, 'x'.repeat(MAX_BODY));
    const declared = await post(params);
    expect(declared.status).toBe(413);
    const body = new URLSearchParams(params).toString();
    const chunked = await fetch(`http://127.0.0.1:${httpPort}/sms/inbound`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': sign(twilio.authToken, `${PUBLIC}/sms/inbound`, params) },
      body: new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(body));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit & { duplex: 'half' });
    expect(chunked.status).toBe(413);
    expect(chunked.headers.get('connection')).toBe('close');
    await stillServing();
    expect(alice.received.some((s) => s.attrs.from === `${from}@${DOMAIN}`)).toBe(false);
  });

  it('an oversized body is answered before it is sent in full: nothing past the limit is read', async () => {
    /** Raw HTTP: send the head and `first`, never the rest; resolve with what the server answered once it closed. */
    const partial = (head: string, first: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect({ host: '127.0.0.1', port: httpPort });
        let answer = '';
        socket.setEncoding('utf8');
        socket.on('data', (c: string) => (answer += c));
        socket.on('close', () => resolve(answer));
        socket.on('error', reject);
        socket.write(head + first);
      });
    const head = (extra: string) => `POST /sms/inbound HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nX-Twilio-Signature: x\r\n${extra}\r\n`;
    // A declared gigabyte: refused on the headers alone.
    expect(await partial(head('Content-Length: 1073741824\r\n'), '')).toMatch(/^HTTP\/1\.1 413 /);
    // Chunked, one chunk over the limit, then silence: refused, and the connection closed by the gateway.
    const chunk = 'Body='.padEnd(MAX_BODY + 100, 'x');
    expect(await partial(head('Transfer-Encoding: chunked\r\n'), `${chunk.length.toString(16)}\r\n${chunk}\r\n`)).toMatch(/^HTTP\/1\.1 413 /);
    await stillServing();
  });

  it('XMPP → Twilio: TAB, DEL, C1, U+FFFD and CRLF get a defined Body; a long text is split under 1,600', async () => {
    const to = '+15557772001';
    await alice.send(xml('message', { to: `${to}@${DOMAIN}`, type: 'chat', id: uid('o') }, xml('body', {}, 'tab\there del\u007f c1\u0085\u009f fffd\uFFFD\r\nnext')));
    const req = await waitFor(() => twilio.created().find((r) => r.form.To?.[0] === to), 'Messages.create');
    expect(req.form.Body).toEqual(['tab here del c1 fffd\uFFFD\nnext']);

    const long = '+15557772002';
    const words = Array.from({ length: 1200 }, (_, i) => `w${i}`).join(' ');
    await alice.send(xml('message', { to: `${long}@${DOMAIN}`, type: 'chat', id: uid('o') }, xml('body', {}, words)));
    const parts = await waitFor(() => {
      const got = twilio.created().filter((r) => r.form.To?.[0] === long);
      return got.length >= 4 && got;
    }, 'the split text');
    for (const p of parts) expect((p.form.Body?.[0] ?? '').length).toBeLessThanOrEqual(1600);
    expect(parts.map((p) => p.form.Body?.[0]).join(' ')).toBe(words);
  });
});
