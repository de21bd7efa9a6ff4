// The test process is the XMPP server (test/helpers/fake-xmpp-server.ts) and sends what real
// servers never send: malformed XML, oversized stanzas, stanzas with missing or foreign
// addresses, error stanzas. The gateway never crashes; on a broken stream it closes it with the
// right stream error and reconnects; an oversized stanza is answered and the stream stays up;
// the echo bridge keeps answering afterwards.
import { Element } from 'ltx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handshakeDigest, startFakeComponentServer, type FakeComponentServer } from '../helpers/fake-xmpp-server.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';
import { metric } from '../helpers/gateway-http.js';
import { sleep } from '../helpers/wait.js';

const DOMAIN = 'echo.localhost';
const SECRET = 'fake-server-secret';
const USER = 'user@localhost';
const MAX_STANZA = 1024;
const STREAMS_NS = 'urn:ietf:params:xml:ns:xmpp-streams';
const STANZAS_NS = 'urn:ietf:params:xml:ns:xmpp-stanzas';

const condition = (el: Element, ns: string) => el.getChildElements().find((c) => c.attrs.xmlns === ns && c.name !== 'text')?.name;
const stanzaError = (el: Element) => (el.getChild('error') ? condition(el.getChild('error')!, STANZAS_NS) : undefined);

describe('the gateway against a scripted fake XMPP server', () => {
  let fake: FakeComponentServer;
  let gateway: RunningGateway;
  let handshakes = 1;
  let n = 0;

  /** A chat message from the user through the fake server comes back as an echo. */
  const roundTrip = async (): Promise<void> => {
    const body = `round trip ${++n}`;
    fake.send(new Element('message', { from: `${USER}/phone`, to: `hello@${DOMAIN}`, type: 'chat', id: `rt-${n}` }).c('body').t(body).root());
    const echo = await fake.waitForStanza((s) => s.is('message') && s.getChildText('body') === body, `echo of ${body}`);
    expect(echo.attrs).toMatchObject({ from: `hello@${DOMAIN}`, to: USER, type: 'chat' });
  };
  /** The gateway closed the stream with this stream error, then came back and authenticated again. */
  const expectStreamErrorAndReconnect = async (cond: string): Promise<void> => {
    const error = await fake.waitForStanza((s) => s.name === 'stream:error', `stream error ${cond}`);
    expect(condition(error, STREAMS_NS)).toBe(cond);
    await fake.waitForHandshakes(++handshakes, 15_000);
    expect(gateway.process.exitCode).toBeNull();
    await gateway.waitForLog((l) => l.event === 'stream_error_sent' && l.condition === cond, `log of the ${cond} stream error`);
  };

  beforeAll(async () => {
    fake = await startFakeComponentServer({ secret: SECRET, domain: DOMAIN });
    gateway = await startGateway({
      xmppPort: fake.port,
      access: { domains: ['localhost'] },
      bridges: { echo: { domain: DOMAIN, component_secret: SECRET } },
      extra: {
        xmpp: { host: '127.0.0.1', port: fake.port, max_stanza_size: MAX_STANZA, reconnect: { initial_delay_ms: 100, max_delay_ms: 500 } },
      },
    });
    await fake.waitForHandshakes(1);
  });

  afterAll(async () => {
    await gateway?.stop();
    await fake?.close();
  });

  it('opens the stream to its own domain and authenticates with the SHA-1 digest of stream id and secret', async () => {
    expect(fake.headers[0]).toMatchObject({ to: DOMAIN, xmlns: 'jabber:component:accept', 'xmlns:stream': 'http://etherx.jabber.org/streams' });
    // The fake server checked the digest against its own computation before saying <handshake/>.
    expect(fake.handshakes[0]).toMatch(/^[0-9a-f]{40}$/);
    expect(fake.handshakes[0]).not.toBe(handshakeDigest('', SECRET));
    expect(fake.authenticated).toBe(true);
    await roundTrip();
  });

  it('closes a malformed stream with not-well-formed, reconnects and keeps echoing', async () => {
    fake.sendRaw(`<message from='${USER}/phone' to='hello@${DOMAIN}' type='chat'><body>broken</bod></message>`);
    await expectStreamErrorAndReconnect('not-well-formed');
    await roundTrip();
  });

  /** The gateway answered `id` with a policy-violation error that states the limit, and kept the stream. */
  const expectTooLarge = async (name: string, id: string, size: number): Promise<void> => {
    const reply = await fake.waitForStanza((s) => s.attrs.id === id && s.attrs.type === 'error', `policy-violation for ${id}`);
    expect(reply.name).toBe(name);
    expect(reply.attrs).toMatchObject({ from: `hello@${DOMAIN}`, to: `${USER}/phone` });
    expect(stanzaError(reply)).toBe('policy-violation');
    expect(reply.getChild('error')?.attrs.type).toBe('modify');
    expect(reply.getChild('error')?.getChildText('text', STANZAS_NS)).toBe(`This stanza is ${size} bytes; the gateway accepts at most ${MAX_STANZA}.`);
    const log = await gateway.waitForLog((l) => l.event === 'stanza_too_large' && l.id === id, `stanza_too_large log for ${id}`);
    expect(log).toMatchObject({ level: 40, from: `${USER}/phone`, to: `hello@${DOMAIN}`, size });
  };
  /** Call before; the returned check, after: no stream error was sent and the component did not reconnect. */
  const streamKept = (): (() => void) => {
    const streamErrors = () => fake.received.filter((s) => s.name === 'stream:error').length;
    const [errors, digests, connections] = [streamErrors(), fake.handshakes.length, fake.connections];
    return () => {
      expect(streamErrors()).toBe(errors);
      expect(fake.handshakes).toHaveLength(digests);
      expect(fake.connections).toBe(connections);
      expect(fake.authenticated).toBe(true);
    };
  };

  it('answers a stanza over max_stanza_size with policy-violation and its id, keeps the stream and keeps echoing', async () => {
    const kept = streamKept();
    const before = await metric(gateway, 'switchboard_stanzas_oversized_total', { bridge: 'echo' });
    const big = 'x'.repeat(MAX_STANZA * 4);
    const stanza = `<message from='${USER}/phone' to='hello@${DOMAIN}' type='chat' id='big'><body>${big}</body></message>`;
    fake.sendRaw(stanza);
    await expectTooLarge('message', 'big', Buffer.byteLength(stanza));
    await roundTrip();
    kept();
    expect(fake.received.some((s) => s.getChildText('body') === big)).toBe(false);
    expect(await metric(gateway, 'switchboard_stanzas_oversized_total', { bridge: 'echo' })).toBe(before + 1);
    // The log says who and how big, never what.
    expect(gateway.stdout()).not.toContain('x'.repeat(MAX_STANZA));
  });

  it('answers an oversized stanza that arrives in many small pieces, and the stream stays up', async () => {
    const kept = streamKept();
    const head = `<message from='${USER}/phone' to='hello@${DOMAIN}' type='chat' id='drip'><body>`;
    fake.sendRaw(head);
    for (let i = 0; i < 12; i++) {
      fake.sendRaw('y'.repeat(200));
      await sleep(10); // separate reads, as a slow server would send them
    }
    fake.sendRaw('</body></message>');
    await expectTooLarge('message', 'drip', Buffer.byteLength(head) + 12 * 200 + Buffer.byteLength('</body></message>'));
    await roundTrip();
    kept();
  });

  it('answers an oversized presence and iq get/set with their own kind of error', async () => {
    const kept = streamKept();
    const pad = `<x xmlns='urn:example:pad'>${'p'.repeat(MAX_STANZA)}</x>`;
    const cases: Array<[string, string, string]> = [
      ['presence', 'big-presence', `<presence from='${USER}/phone' to='hello@${DOMAIN}' id='big-presence'>${pad}</presence>`],
      ['iq', 'big-get', `<iq from='${USER}/phone' to='hello@${DOMAIN}' type='get' id='big-get'><query xmlns='urn:example:q'>${pad}</query></iq>`],
      ['iq', 'big-set', `<iq from='${USER}/phone' to='hello@${DOMAIN}' type='set' id='big-set'><query xmlns='urn:example:q'>${pad}</query></iq>`],
    ];
    for (const [, , raw] of cases) fake.sendRaw(raw);
    for (const [name, id, raw] of cases) await expectTooLarge(name, id, Buffer.byteLength(raw));
    await roundTrip();
    kept();
  });

  it('never answers an oversized error, iq result or iq error, nor one from or to an address it cannot answer', async () => {
    const kept = streamKept();
    const pad = 'q'.repeat(MAX_STANZA * 2);
    const silent = [
      `<message from='${USER}/phone' to='hello@${DOMAIN}' type='error' id='silent-1'><body>${pad}</body></message>`,
      `<presence from='${USER}/phone' to='hello@${DOMAIN}' type='error' id='silent-2'><status>${pad}</status></presence>`,
      `<iq from='${USER}/phone' to='hello@${DOMAIN}' type='result' id='silent-3'><q xmlns='urn:x'>${pad}</q></iq>`,
      `<iq from='${USER}/phone' to='hello@${DOMAIN}' type='error' id='silent-4'><q xmlns='urn:x'>${pad}</q></iq>`,
      `<message from='${USER}/phone' to='hello@other.example' type='chat' id='silent-5'><body>${pad}</body></message>`,
      `<message to='hello@${DOMAIN}' type='chat' id='silent-6'><body>${pad}</body></message>`,
      `<unknown from='${USER}/phone' to='hello@${DOMAIN}' id='silent-7'>${pad}</unknown>`,
    ];
    for (const raw of silent) fake.sendRaw(raw);
    await roundTrip();
    for (let i = 1; i <= silent.length; i++) await gateway.waitForLog((l) => l.event === 'stanza_too_large' && l.id === `silent-${i}` && l.answered === false, `silent-${i} logged unanswered`);
    expect(fake.received.filter((s) => String(s.attrs.id ?? '').startsWith('silent-'))).toEqual([]);
    kept();
  });

  it('drops stanzas with missing or foreign addresses without answering or crashing', async () => {
    const bad = [
      new Element('message', { to: `hello@${DOMAIN}`, type: 'chat', id: 'no-from' }).c('body').t('no from').root(),
      new Element('message', { from: `${USER}/phone`, type: 'chat', id: 'no-to' }).c('body').t('no to').root(),
      new Element('message', { from: `${USER}/phone`, to: 'hello@other.example', type: 'chat', id: 'foreign-to' }).c('body').t('foreign').root(),
      new Element('message', { from: '@@bad@@', to: `hello@${DOMAIN}`, type: 'chat', id: 'bad-from' }).c('body').t('bad from').root(),
      new Element('iq', { to: DOMAIN, type: 'get', id: 'iq-no-from' }).c('ping', { xmlns: 'urn:xmpp:ping' }).root(),
      new Element('presence', { from: `${USER}/phone`, id: 'presence-no-to' }),
      new Element('unknown-top-level', { from: `${USER}/phone`, to: DOMAIN, id: 'weird' }),
    ];
    for (const el of bad) fake.send(el);
    await roundTrip(); // handled in order: anything answered would be there by now
    await sleep(300);
    const ids = new Set(bad.map((el) => el.attrs.id));
    expect(fake.received.filter((s) => ids.has(s.attrs.id))).toEqual([]);
    expect(gateway.process.exitCode).toBeNull();
    expect(gateway.logs().filter((l) => l.event === 'dropped').length).toBeGreaterThanOrEqual(bad.length);
  });

  it('answers an unknown iq get and set with service-unavailable', async () => {
    for (const type of ['get', 'set']) {
      fake.send(new Element('iq', { from: `${USER}/phone`, to: DOMAIN, type, id: `unknown-${type}` }).c('query', { xmlns: 'urn:example:nothing' }).root());
      const reply = await fake.waitForStanza((s) => s.is('iq') && s.attrs.id === `unknown-${type}`, `reply to the unknown iq ${type}`);
      expect(reply.attrs).toMatchObject({ type: 'error', from: DOMAIN, to: `${USER}/phone` });
      expect(stanzaError(reply)).toBe('service-unavailable');
    }
  });

  it('never answers an error stanza', async () => {
    const error = () => new Element('error', { type: 'cancel' }).c('service-unavailable', { xmlns: STANZAS_NS }).root();
    fake.send(new Element('message', { from: `${USER}/phone`, to: `hello@${DOMAIN}`, type: 'error', id: 'err-msg' }).cnode(error()).root());
    fake.send(new Element('iq', { from: `${USER}/phone`, to: DOMAIN, type: 'error', id: 'err-iq' }).cnode(error()).root());
    fake.send(new Element('presence', { from: `${USER}/phone`, to: `hello@${DOMAIN}`, type: 'error', id: 'err-presence' }).cnode(error()).root());
    fake.send(new Element('iq', { from: `${USER}/phone`, to: DOMAIN, type: 'result', id: 'stray-result' }));
    fake.send(new Element('iq', { from: `${USER}/phone`, to: DOMAIN, type: 'get', id: 'ping-after' }).c('ping', { xmlns: 'urn:xmpp:ping' }).root());
    const pong = await fake.waitForStanza((s) => s.is('iq') && s.attrs.id === 'ping-after', 'ping result');
    expect(pong.attrs.type).toBe('result');
    await sleep(300);
    const answered = fake.received.filter((s) => ['err-msg', 'err-iq', 'err-presence', 'stray-result'].includes(s.attrs.id ?? ''));
    expect(answered).toEqual([]);
  });
});
