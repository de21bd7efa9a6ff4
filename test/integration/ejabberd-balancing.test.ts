// What sharding relies on (README "Modes", design.md §5b): ejabberd 23.01's domain_balancing with
// type bare_source and component_number N gives a component domain N fixed slots, filled by its
// connections in the order they connect. A user's stanzas always reach the slot of
// phash2(bare JID, N); while a slot has no connection they are dropped, and the next connection
// takes the free slot, so it receives exactly the users of the connection that went away.
import { xml } from '@xmpp/client';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ComponentConnection } from '../../src/xmpp/component.js';
import { startEjabberd } from '../helpers/ejabberd.js';
import type { XmppServer } from '../helpers/server-process.js';
import { waitFor } from '../helpers/wait.js';
import { connectClient, type TestClient } from '../helpers/xmpp-client.js';

const DOMAIN = 'shard.localhost';
const users = Array.from({ length: 12 }, (_, i) => ({ username: `u${i}`, password: 'pw' }));
let server: XmppServer;
let clients: TestClient[] = [];

beforeAll(async () => {
  server = await startEjabberd({ components: [{ domain: DOMAIN, secret: 's' }], users, domainBalancing: { [DOMAIN]: 2 } });
  clients = await Promise.all(users.map((u) => connectClient(server, u.username, u.password)));
}, 90_000);
afterAll(async () => {
  await Promise.all(clients.map((c) => c.stop()));
  await server?.stop();
});

function component(seen: Set<string>): ComponentConnection {
  const c = new ComponentConnection({
    host: '127.0.0.1',
    port: server.componentPort,
    domain: DOMAIN,
    secret: 's',
    maxStanzaSize: 1e6,
    maxOutgoingStanzaSize: 1e6,
    reconnect: { initialDelayMs: 100, maxDelayMs: 1000 },
    log: pino({ level: 'silent' }),
    traceXml: false,
  });
  c.on('stanza', (el) => {
    if (el.is('message')) seen.add(String(el.attrs.from).split('/')[0]);
  });
  return c;
}
const sendAll = async (tag: string) => {
  for (const c of clients) await c.xmpp.send(xml('message', { to: `x@${DOMAIN}`, type: 'chat' }, xml('body', {}, tag)));
};

it('splits users by bare JID over two connections, drops an empty slot, and a new connection takes exactly its users', { timeout: 60_000 }, async () => {
  const [a, b] = [new Set<string>(), new Set<string>()];
  const ca = component(a);
  const cb = component(b);
  await ca.start();
  await cb.start();
  for (let round = 0; round < 2; round++) await sendAll(`r${round}`);
  await waitFor(() => a.size + b.size === users.length, 'every user reached one connection');
  expect(a.size).toBeGreaterThan(0);
  expect(b.size).toBeGreaterThan(0);
  expect([...a].filter((u) => b.has(u))).toEqual([]);
  const ofA = [...a].sort();

  await ca.stop();
  a.clear();
  b.clear();
  await sendAll('while A is away');
  await waitFor(() => b.size === users.length - ofA.length, "B's users still reach B");
  const c = new Set<string>();
  const cc = component(c);
  await cc.start();
  await sendAll('C connected');
  await waitFor(() => c.size === ofA.length, "C gets A's users");
  expect([...c].sort()).toEqual(ofA);
  // A's users were not moved to B while A's slot was empty: their stanzas were dropped.
  expect([...b].filter((u) => ofA.includes(u))).toEqual([]);
  await cc.stop();
  await cb.stop();
});
