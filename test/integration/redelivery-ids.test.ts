// Issue 10: the gateway killed with SIGKILL after an inbound stanza reached the XMPP server and
// before its `done` was committed (the crash window of design.md §5, made deterministic with the
// SWITCHBOARD_CRASH_POINT hook, src/core/crash-point.ts) redelivers it after the restart, and the
// copy carries the first attempt's id and XEP-0359 origin-id, so the client can drop it.
import { xml } from '@xmpp/client';
import type { Element } from 'ltx';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';
import { metric } from '../helpers/gateway-http.js';
import { startProsody } from '../helpers/prosody.js';
import type { XmppServer } from '../helpers/server-process.js';
import { waitFor } from '../helpers/wait.js';
import { connectClient, type TestClient } from '../helpers/xmpp-client.js';

const DOMAIN = 'echo.localhost';
const SECRET = 'redeliver-secret';
const SID = 'urn:xmpp:sid:0';

const ids = (el: Element) => ({ id: el.attrs.id as string | undefined, originId: el.getChild('origin-id', SID)?.attrs.id as string | undefined });

describe('redelivery after SIGKILL before the done commit, with prosody', () => {
  let server: XmppServer;
  const gateways: RunningGateway[] = [];
  const clients: TestClient[] = [];

  const gateway = async (env: Record<string, string>, dir?: string): Promise<RunningGateway> => {
    const gw = await startGateway({
      xmppPort: server.componentPort,
      access: { domains: [server.domain] },
      bridges: { echo: { domain: DOMAIN, component_secret: SECRET, options: { delay_ms: 0 } } },
      env,
      ...(dir ? { dir } : {}),
    });
    gateways.push(gw);
    return gw;
  };

  beforeAll(async () => {
    server = await startProsody({
      components: [{ domain: DOMAIN, secret: SECRET }],
      users: ['carol', 'dave'].map((u) => ({ username: u, password: `pw-${u}` })),
    });
  });
  afterEach(async () => {
    await Promise.all(gateways.splice(0).map((gw) => gw.stop()));
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.stop()));
    await server?.stop();
  });

  it.each([
    ['carol', 'a message without an id (the gateway picks one)', {}],
    ['dave', 'a message with an id (the echo dedupe key)', { id: 'dave-msg-1' }],
  ])('%s: %s is redelivered with the ids of its first attempt', { timeout: 60_000 }, async (user, _what, attrs: Record<string, string>) => {
    const first = await gateway({ SWITCHBOARD_CRASH_POINT: 'inbound-sent:1' });
    const client = await connectClient(server, user, `pw-${user}`);
    clients.push(client);
    const body = `redeliver ${user}`;
    const isEcho = (s: Element) => s.is('message') && s.attrs.type === 'chat' && s.getChildText('body') === body;
    await client.send(xml('message', { to: `r1@${DOMAIN}`, type: 'chat', ...attrs }, xml('body', {}, body)));

    // The echo reached the client, and the process died before it could write `done`.
    const delivered = await client.waitForStanza(isEcho, 'the first attempt', 20_000);
    await waitFor(() => first.process.signalCode === 'SIGKILL', 'the gateway killed itself at the crash point');
    expect(ids(delivered).id).toBeTruthy();
    expect(ids(delivered).originId).toBe(ids(delivered).id);

    const second = await gateway({}, first.dir);
    const copy = await client.waitForStanza(isEcho, 'the redelivered copy', 20_000);
    expect(ids(copy)).toEqual(ids(delivered));
    // Whether the out row's `done` made it into the last commit or not (then the echo bridge is
    // asked again, and its dedupe key, from the stanza id or the outbox item, finds the inbound
    // row): every copy the client sees carries the same ids.
    await waitFor(async () => (await metric(second, 'switchboard_outbox_depth', { bridge: 'echo' })) === 0, 'outbox drained');
    await client.send(xml('message', { to: `r1@${DOMAIN}`, type: 'chat' }, xml('body', {}, 'marker')));
    await client.waitForStanza((s) => s.getChildText('body') === 'marker', 'a later echo, after any copy');
    const copies = client.received.filter(isEcho);
    expect(copies).toHaveLength(2);
    expect(new Set(copies.map((c) => JSON.stringify(ids(c)))).size).toBe(1);
  });
});
