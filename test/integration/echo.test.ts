// The core end to end through a real XMPP server, for Prosody and ejabberd: a real client
// messages the echo bridge, discovers it, pings it, subscribes to it, runs admin commands,
// and is refused when outside the access list.
import { xml } from '@xmpp/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEjabberd } from '../helpers/ejabberd.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';
import { startProsody } from '../helpers/prosody.js';
import type { XmppServer, XmppServerOptions } from '../helpers/server-process.js';
import { connectClient, type TestClient } from '../helpers/xmpp-client.js';
import { errorCondition } from '../helpers/stanza-assert.js';

const DOMAIN = 'echo.localhost';
const SECRET = 'echo-secret-do-not-log';

const servers: Array<[string, (opts: XmppServerOptions) => Promise<XmppServer>]> = [
  ['prosody', startProsody],
  ['ejabberd', startEjabberd],
];

const NS_STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas';

describe.each(servers)('echo bridge through %s', (_name, start) => {
  let server: XmppServer;
  let gateway: RunningGateway;
  let alice: TestClient;
  let admin: TestClient;
  let mallory: TestClient;

  beforeAll(async () => {
    server = await start({
      components: [{ domain: DOMAIN, secret: SECRET }],
      users: [
        { username: 'alice', password: 'pw-alice' },
        { username: 'admin', password: 'pw-admin' },
        { username: 'mallory', password: 'pw-mallory' },
      ],
    });
    gateway = await startGateway({
      xmppPort: server.componentPort,
      admins: [`admin@${server.domain}`],
      // The most verbose logging, stanzas included: the secret must still not appear.
      extra: { log: { level: 'trace', trace_xml: true } },
      bridges: { echo: { domain: DOMAIN, component_secret: SECRET, access: { users: [`alice@${server.domain}`] } } },
    });
    alice = await connectClient(server, 'alice', 'pw-alice');
    admin = await connectClient(server, 'admin', 'pw-admin');
    mallory = await connectClient(server, 'mallory', 'pw-mallory');
  });

  afterAll(async () => {
    await Promise.all([alice?.stop(), admin?.stop(), mallory?.stop()]);
    await gateway?.stop();
    await server?.stop();
  });

  it('echoes a chat message from the contact JID and acknowledges it with a receipt', async () => {
    await alice.send(
      xml('message', { to: `hello@${DOMAIN}`, type: 'chat', id: 'm1' }, xml('body', {}, 'ping one'), xml('request', { xmlns: 'urn:xmpp:receipts' })),
    );
    const echo = await alice.waitForStanza((s) => s.is('message') && s.getChildText('body') === 'ping one', 'echo');
    expect(echo.attrs.from).toBe(`hello@${DOMAIN}`);
    const receipt = await alice.waitForStanza((s) => s.getChild('received', 'urn:xmpp:receipts') !== undefined, 'receipt');
    expect(receipt.getChild('received', 'urn:xmpp:receipts')?.attrs.id).toBe('m1');
    expect(receipt.attrs.from).toBe(`hello@${DOMAIN}`);
  });

  it('answers disco#info with a gateway identity, and version and ping', async () => {
    const info = await alice.iq(xml('iq', { type: 'get', to: DOMAIN }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' })));
    expect(info.attrs.type).toBe('result');
    const identity = info.getChild('query')?.getChild('identity');
    expect(identity?.attrs.category).toBe('gateway');
    expect(identity?.attrs.type).toBe('echo');
    const features = info.getChild('query')!.getChildren('feature').map((f) => f.attrs.var);
    expect(features).toEqual(expect.arrayContaining(['jabber:iq:version', 'urn:xmpp:ping', 'http://jabber.org/protocol/commands']));
    const version = await alice.iq(xml('iq', { type: 'get', to: DOMAIN }, xml('query', { xmlns: 'jabber:iq:version' })));
    expect(version.getChild('query')?.getChildText('name')).toBe('Switchboard');
    const ping = await alice.iq(xml('iq', { type: 'get', to: DOMAIN }, xml('ping', { xmlns: 'urn:xmpp:ping' })));
    expect(ping.attrs.type).toBe('result');
    const items = await alice.iq(xml('iq', { type: 'get', to: DOMAIN }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#items' })));
    expect(items.attrs.type).toBe('result');
  });

  it('answers a message to the gateway domain itself with service-unavailable, and a chat state there with nothing', async () => {
    await alice.send(xml('message', { to: DOMAIN, type: 'chat', id: 'dom1' }, xml('composing', { xmlns: 'http://jabber.org/protocol/chatstates' })));
    await alice.send(xml('message', { to: DOMAIN, type: 'chat', id: 'dom2' }, xml('body', {}, 'hello gateway')));
    const err = await alice.waitForStanza((s) => s.is('message') && s.attrs.type === 'error' && s.attrs.from === DOMAIN, 'error from the domain');
    expect(err.attrs.id).toBe('dom2');
    expect(errorCondition(err)).toBe('service-unavailable');
  });

  it('answers an unknown iq with service-unavailable', async () => {
    const reply = await alice.iq(xml('iq', { type: 'get', to: DOMAIN }, xml('query', { xmlns: 'urn:example:unknown' })));
    expect(reply.attrs.type).toBe('error');
    expect(errorCondition(reply)).toBe('service-unavailable');
  });

  it('approves a subscription to the domain with subscribed and an available presence', async () => {
    // A resource that fetched its roster is an "interested resource" and gets roster pushes (RFC 6121 §2.1.6).
    await alice.iq(xml('iq', { type: 'get' }, xml('query', { xmlns: 'jabber:iq:roster' })));
    await alice.send(xml('presence', { to: DOMAIN, type: 'subscribe', id: 'sub1' }));
    // RFC 6121 §3.1.6: the server turns our `subscribed` into a roster push (subscription 'to'
    // or 'both'); some servers also deliver the presence itself.
    await alice.waitForStanza(
      (s) =>
        (s.is('presence') && s.attrs.type === 'subscribed' && s.attrs.from === DOMAIN) ||
        (s.is('iq') && ['to', 'both'].includes(s.getChild('query', 'jabber:iq:roster')?.getChild('item')?.attrs.subscription ?? '')),
      'subscribed (presence or roster push)',
    );
    await alice.waitForStanza((s) => s.is('presence') && s.attrs.from === DOMAIN && s.attrs.type === undefined, 'available presence of the gateway');
  });

  it('refuses a user outside the access list with forbidden, and nothing is echoed', async () => {
    await mallory.send(xml('message', { to: `hello@${DOMAIN}`, type: 'chat', id: 'x1' }, xml('body', {}, 'let me in')));
    const err = await mallory.waitForStanza((s) => s.is('message') && s.attrs.type === 'error', 'forbidden error');
    expect(err.attrs.id).toBe('x1');
    expect(errorCondition(err)).toBe('forbidden');
    expect(err.getChild('error')?.getChildText('text', NS_STANZAS)).toMatch(/not allowed/);
    expect(mallory.received.some((s) => s.getChildText('body') === 'let me in')).toBe(false);
  });

  it('lists and runs admin commands for an admin, and refuses them to others with forbidden', async () => {
    const list = await admin.iq(
      xml('iq', { type: 'get', to: DOMAIN }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#items', node: 'http://jabber.org/protocol/commands' })),
    );
    const nodes = list.getChild('query')!.getChildren('item').map((i) => i.attrs.node);
    expect(nodes).toEqual(expect.arrayContaining(['users', 'status', 'dead-letters', 'reload']));
    const status = await admin.iq(xml('iq', { type: 'set', to: DOMAIN }, xml('command', { xmlns: 'http://jabber.org/protocol/commands', node: 'status', action: 'execute' })));
    const command = status.getChild('command');
    expect(command?.attrs.status).toBe('completed');
    expect(command?.getChildText('note')).toMatch(/Online since/);
    const users = await admin.iq(xml('iq', { type: 'set', to: DOMAIN }, xml('command', { xmlns: 'http://jabber.org/protocol/commands', node: 'users' })));
    expect(users.getChild('command')?.getChildText('note')).toContain(`alice@${server.domain}`);

    const aliceList = await alice.iq(
      xml('iq', { type: 'get', to: DOMAIN }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#items', node: 'http://jabber.org/protocol/commands' })),
    );
    expect(aliceList.getChild('query')!.getChildren('item').map((i) => i.attrs.node)).not.toContain('status');
    const refused = await alice.iq(xml('iq', { type: 'set', to: DOMAIN }, xml('command', { xmlns: 'http://jabber.org/protocol/commands', node: 'status', action: 'execute' })));
    expect(refused.attrs.type).toBe('error');
    expect(errorCondition(refused)).toBe('forbidden');
    expect(refused.getChild('command')?.attrs.node).toBe('status');
  });

  it('never writes the component secret to its logs, even at trace level with XML tracing', () => {
    // The logs did capture the traffic (so the check below is not vacuous)…
    expect(gateway.logs().some((l) => l.event === 'xml_in')).toBe(true);
    expect(gateway.logs().some((l) => l.event === 'xml_out')).toBe(true);
    expect(gateway.stdout()).not.toContain(SECRET);
    expect(gateway.stderr()).not.toContain(SECRET);
  });
});
