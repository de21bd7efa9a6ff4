// The XMPP server goes away while the gateway has messages to deliver (echo replies still in the
// bridge, inbound rows committed while the component is offline): the component reconnects by
// itself, and every message reaches the user exactly once, through the server's offline storage
// when the user is not back yet.
import { xml } from '@xmpp/client';
import type { Element } from 'ltx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEjabberd } from '../helpers/ejabberd.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';
import { healthz, metric } from '../helpers/gateway-http.js';
import { startProsody } from '../helpers/prosody.js';
import type { XmppServer, XmppServerOptions } from '../helpers/server-process.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { connectClient, type TestClient } from '../helpers/xmpp-client.js';

const DOMAIN = 'echo.localhost';
const SECRET = 'restart-secret';
const ECHO_DELAY_MS = 1500;

const servers: Array<[string, (opts: XmppServerOptions) => Promise<XmppServer>]> = [
  ['prosody', startProsody],
  ['ejabberd', startEjabberd],
];

const bodyOf = (el: Element) => (el.is('message') && el.attrs.type !== 'error' ? el.getChildText('body') : null);

/** Send one chat message per [contact, body] and return the bodies sent. */
async function sendAll(client: TestClient, messages: Array<[string, string]>, idPrefix: string): Promise<void> {
  let n = 0;
  for (const [contact, body] of messages) {
    await client.send(xml('message', { to: `${contact}@${DOMAIN}`, type: 'chat', id: `${idPrefix}-${n++}` }, xml('body', {}, body)));
  }
}

/**
 * Wait until the gateway has handed every item to the server, and give the server a moment to
 * store them. ejabberd writes the first offline message after its restart slowly (~100 ms to
 * open the table), and a login during that write flushes the offline store before the message
 * is in it: it would only show up at the next login. Not a gateway matter, so log in after.
 */
async function drained(gateway: RunningGateway): Promise<void> {
  await waitFor(async () => (await metric(gateway, 'switchboard_outbox_depth', { bridge: 'echo' })) === 0, 'outbox drained', 20_000);
  await sleep(1000);
}

/** Wait for every echo, then a little longer, and check each one came exactly once. */
async function expectEachOnce(client: TestClient, messages: Array<[string, string]>): Promise<void> {
  for (const [contact, body] of messages) {
    await client.waitForStanza((s) => bodyOf(s) === body && s.attrs.from === `${contact}@${DOMAIN}`, `echo of ${body}`, 30_000);
  }
  await sleep(1000); // room for a duplicate to show up
  for (const [, body] of messages) {
    expect(client.received.filter((s) => bodyOf(s) === body), `copies of ${body}`).toHaveLength(1);
  }
}

describe.each(servers)('XMPP server restart with %s', (_name, start) => {
  let server: XmppServer;
  let gateway: RunningGateway;
  const clients: TestClient[] = [];
  const login = async (user: string) => {
    const c = await connectClient(server, user, `pw-${user}`);
    clients.push(c);
    return c;
  };
  const onlineCount = () => gateway.logs().filter((l) => l.event === 'online').length;

  beforeAll(async () => {
    server = await start({
      components: [{ domain: DOMAIN, secret: SECRET }],
      users: ['alice', 'bob'].map((u) => ({ username: u, password: `pw-${u}` })),
    });
    gateway = await startGateway({
      xmppPort: server.componentPort,
      access: { domains: [server.domain] },
      bridges: { echo: { domain: DOMAIN, component_secret: SECRET, options: { delay_ms: ECHO_DELAY_MS } } },
    });
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.stop()));
    await gateway?.stop();
    await server?.stop();
  });

  it('keeps echoes committed while the server is down and delivers each exactly once after the component reconnects', { timeout: 90_000 }, async () => {
    const alice = await login('alice');
    // Four conversations in parallel, and two messages in one conversation (order kept).
    const messages: Array<[string, string]> = [
      ['a1', 'alice one'],
      ['a2', 'alice two'],
      ['a3', 'alice three'],
      ['a4', 'alice four'],
      ['a1', 'alice five'],
    ];
    const onlineBefore = onlineCount();
    const doneBefore = await metric(gateway, 'switchboard_deliveries_total', { bridge: 'echo', direction: 'out', outcome: 'done' });
    await sendAll(alice, messages, 'alice');
    // Every message is in the outbox before the server goes away.
    await waitFor(async () => (await metric(gateway, 'switchboard_outbox_depth', { bridge: 'echo' })) >= messages.length, 'messages queued');

    await server.restart(async () => {
      // While the server is down the echo bridge finishes: its replies are inbound rows that
      // wait in the outbox for the component.
      await waitFor(
        async () => (await metric(gateway, 'switchboard_deliveries_total', { bridge: 'echo', direction: 'out', outcome: 'done' })) >= doneBefore + messages.length,
        'echo bridge done with every message',
        20_000,
      );
      expect(await metric(gateway, 'switchboard_outbox_depth', { bridge: 'echo' })).toBe(messages.length);
      const health = await healthz(gateway);
      expect(health.status).toBe(503);
      expect(health.body.problems.join('\n')).toMatch(new RegExp(`component ${DOMAIN} is (offline|connecting|handshaking)`));
    });

    // The component comes back by itself: a reconnect attempt is logged, then online again.
    await waitFor(() => onlineCount() > onlineBefore, 'component online again', 30_000);
    const events = gateway.logs().map((l) => l.event);
    expect(events.lastIndexOf('reconnect')).toBeGreaterThan(-1);
    expect(events.lastIndexOf('online')).toBeGreaterThan(events.indexOf('reconnect'));
    expect((await healthz(gateway)).status).toBe(200);
    expect(await metric(gateway, 'switchboard_component_reconnects_total', { bridge: 'echo' })).toBeGreaterThanOrEqual(1);

    // Alice was dropped by the restart; she logs in again and gets each echo once (from the
    // server's offline storage: the gateway sends to her bare JID).
    await drained(gateway);
    const again = await login('alice');
    await expectEachOnce(again, messages);
    const a1 = again.received.filter((s) => s.attrs.from === `a1@${DOMAIN}`).map(bodyOf);
    expect(a1).toEqual(['alice one', 'alice five']);
  });

  it('delivers exactly once the echoes still inside the bridge when the server restarts', { timeout: 90_000 }, async () => {
    const bob = await login('bob');
    const messages: Array<[string, string]> = [
      ['b1', 'bob one'],
      ['b2', 'bob two'],
      ['b1', 'bob three'],
    ];
    const onlineBefore = onlineCount();
    await sendAll(bob, messages, 'bob');
    await waitFor(async () => (await metric(gateway, 'switchboard_outbox_depth', { bridge: 'echo' })) >= messages.length, 'messages queued');
    // Restart at once: the echoes finish during or after the restart, whichever comes first.
    await server.restart();
    await waitFor(() => onlineCount() > onlineBefore, 'component online again', 30_000);
    await drained(gateway);
    const again = await login('bob');
    await expectEachOnce(again, messages);
    expect(again.received.filter((s) => s.attrs.from === `b1@${DOMAIN}`).map(bodyOf)).toEqual(['bob one', 'bob three']);
  });
});
