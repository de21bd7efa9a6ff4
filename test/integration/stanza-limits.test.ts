// Stanza size limits end to end, through Prosody and ejabberd with their own limits raised
// (test/fixtures): a real client's 1 MiB message, presence or iq reaches the gateway, which
// skips it, answers with policy-violation carrying its id, and keeps its component stream; a
// stanza the gateway would send over max_outgoing_stanza_size is refused instead of written.
import { xml } from '@xmpp/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEjabberd } from '../helpers/ejabberd.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';
import { metric } from '../helpers/gateway-http.js';
import { startProsody } from '../helpers/prosody.js';
import type { XmppServer, XmppServerOptions } from '../helpers/server-process.js';
import { errorCondition, errorText } from '../helpers/stanza-assert.js';
import { connectClient, type TestClient } from '../helpers/xmpp-client.js';

const DOMAIN = 'echo.localhost';
const SECRET = 'limits-secret';
const MAX_IN = 262_144;
const MAX_OUT = 200_000;
const MIB = 1024 * 1024;

const servers: Array<[string, (opts: XmppServerOptions) => Promise<XmppServer>]> = [
  ['prosody', startProsody],
  ['ejabberd', startEjabberd],
];

describe.each(servers)('stanza size limits through %s', (_name, start) => {
  let server: XmppServer;
  let gateway: RunningGateway;
  let alice: TestClient;
  let n = 0;

  /** A normal message still comes back: the bridge works for everybody. */
  const echoes = async (): Promise<void> => {
    const body = `still here ${++n}`;
    await alice.send(xml('message', { to: `hello@${DOMAIN}`, type: 'chat', id: `ok-${n}` }, xml('body', {}, body)));
    await alice.waitForStanza((s) => s.is('message') && s.getChildText('body') === body, `echo of ${body}`);
  };
  const expectPolicyViolation = (reply: { attrs: Record<string, string> } & Parameters<typeof errorCondition>[0]): void => {
    expect(reply.attrs.type).toBe('error');
    expect(errorCondition(reply)).toBe('policy-violation');
    const size = /^This stanza is (\d+) bytes; the gateway accepts at most 262144\.$/.exec(errorText(reply) ?? '')?.[1];
    expect(Number(size)).toBeGreaterThan(MAX_IN);
  };
  const noReconnect = async (): Promise<void> => {
    expect(gateway.logs().filter((l) => l.event === 'reconnect')).toEqual([]);
    expect(await metric(gateway, 'switchboard_component_reconnects_total', { bridge: 'echo' })).toBe(0);
    expect(gateway.process.exitCode).toBeNull();
  };

  beforeAll(async () => {
    server = await start({ components: [{ domain: DOMAIN, secret: SECRET }], users: [{ username: 'alice', password: 'pw-alice' }] });
    gateway = await startGateway({
      xmppPort: server.componentPort,
      access: { domains: [server.domain] },
      bridges: { echo: { domain: DOMAIN, component_secret: SECRET } },
      extra: {
        xmpp: { host: '127.0.0.1', port: server.componentPort, max_stanza_size: MAX_IN, max_outgoing_stanza_size: MAX_OUT, reconnect: { initial_delay_ms: 200, max_delay_ms: 2000 } },
      },
    });
    alice = await connectClient(server, 'alice', 'pw-alice');
  });

  afterAll(async () => {
    await alice?.stop();
    await gateway?.stop();
    await server?.stop();
  });

  it('answers a 1 MiB message with policy-violation and its id, stays connected and echoes the next message', async () => {
    await alice.send(xml('message', { to: `hello@${DOMAIN}`, type: 'chat', id: 'huge-message' }, xml('body', {}, 'm'.repeat(MIB))));
    const reply = await alice.waitForStanza((s) => s.is('message') && s.attrs.id === 'huge-message', 'the error for the huge message', 20_000);
    expect(reply.attrs.from).toBe(`hello@${DOMAIN}`);
    expectPolicyViolation(reply);
    const log = await gateway.waitForLog((l) => l.event === 'stanza_too_large' && l.id === 'huge-message', 'stanza_too_large');
    expect(log).toMatchObject({ to: `hello@${DOMAIN}`, answered: true });
    expect(String(log.from)).toMatch(new RegExp(`^alice@${server.domain}/`));
    await echoes();
    await noReconnect();
    expect(await metric(gateway, 'switchboard_stanzas_oversized_total', { bridge: 'echo' })).toBeGreaterThanOrEqual(1);
  });

  it('answers an oversized presence and iq with their own kind of error', async () => {
    await alice.send(xml('presence', { to: `hello@${DOMAIN}`, id: 'huge-presence' }, xml('status', {}, 'p'.repeat(MIB))));
    const presence = await alice.waitForStanza((s) => s.is('presence') && s.attrs.id === 'huge-presence', 'the error for the huge presence', 20_000);
    expectPolicyViolation(presence);
    const iq = await alice.iq(xml('iq', { type: 'set', to: DOMAIN, id: 'huge-iq' }, xml('query', { xmlns: 'urn:example:big' }, 'q'.repeat(MIB))), 20_000);
    expectPolicyViolation(iq);
    await echoes();
    await noReconnect();
  });

  it('refuses to send a stanza over max_outgoing_stanza_size instead of risking the stream, and goes on', async () => {
    // Within what the gateway reads (256 KiB), over what it writes (200 000 bytes): the echo.
    await alice.send(xml('message', { to: `hello@${DOMAIN}`, type: 'chat', id: 'big-echo' }, xml('body', {}, 'e'.repeat(210_000))));
    const refused = await gateway.waitForLog((l) => l.event === 'outgoing_stanza_too_large', 'outgoing_stanza_too_large');
    expect(refused).toMatchObject({ name: 'message', to: alice.jid.replace(/\/.*$/, ''), limit: MAX_OUT });
    expect(Number(refused.size)).toBeGreaterThan(MAX_OUT);
    // A permanent failure: the outbox does not retry it.
    await gateway.waitForLog((l) => l.event === 'in_failed', 'the inbound item failed for good');
    await echoes();
    expect(gateway.logs().filter((l) => l.event === 'outgoing_stanza_too_large')).toHaveLength(1);
    expect(gateway.logs().filter((l) => l.event === 'retry')).toEqual([]);
    await noReconnect();
  });
});
