// Sharded mode on ejabberd (issue 14, design.md §5a): an outcome about an outbound message that
// lands on another instance than the one whose slot sent it. Twilio posts a text's status callback
// to the public URL, which the load balancer may give to any instance; the text's delivery state
// (the MessageSid, the stanza id, whether a receipt was asked) is in the sender slot's store. Two
// real gateway processes on one PostgreSQL, each holding its own slot, both connected to the SMS
// component domain (ejabberd balancing it over 2 slots), and the local Twilio-compatible API. The
// instance that did not send takes the callback, and the user still gets the receipt (delivered)
// or the error (undelivered) once: it hands the callback to the slot that knows the text
// (src/core/postgres/shared-handoff.ts).
import { xml } from '@xmpp/client';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { startEjabberd } from '../helpers/ejabberd.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';
import { metric } from '../helpers/gateway-http.js';
import { freePort } from '../helpers/ports.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres.js';
import type { XmppServer } from '../helpers/server-process.js';
import { postSignedWebhook, startFakeTwilio, statusParams, type FakeTwilio } from '../helpers/sms-fake-twilio.js';
import { errorCondition, errorText } from '../helpers/stanza-assert.js';
import { waitFor } from '../helpers/wait.js';
import { connectClient, type TestClient } from '../helpers/xmpp-client.js';

const SMS = 'sms.shard.localhost';
const SECRET = 'shard-secret';
const PUBLIC = 'https://sms-gw.example.org';
const ALICE_NUMBER = '+15550002001';
const RECEIPTS = 'urn:xmpp:receipts';

let postgres: PostgresServer;
let server: XmppServer;
let twilio: FakeTwilio;
let alice: TestClient | undefined;
const gateways: RunningGateway[] = [];

beforeAll(async () => {
  postgres = await startPostgres({ fsync: false });
  twilio = await startFakeTwilio();
  server = await startEjabberd({
    components: [{ domain: SMS, secret: SECRET }],
    users: [{ username: 'alice', password: 'pw-alice' }],
    domainBalancing: { [SMS]: 2 },
  });
}, 120_000);
afterEach(async () => {
  await alice?.stop();
  alice = undefined;
  await Promise.all(gateways.splice(0).map((gw) => gw.kill()));
});
afterAll(async () => {
  await server?.stop();
  await twilio?.close();
  await postgres?.stop();
});

async function instance(url: string): Promise<{ gw: RunningGateway; port: number }> {
  const port = await freePort();
  const gw = await startGateway({
    xmppPort: server.componentPort,
    access: { domains: [server.domain] },
    env: { TWILIO_AUTH_TOKEN: twilio.authToken },
    bridges: {
      sms: {
        domain: SMS,
        component_secret: SECRET,
        options: {
          account_sid: twilio.accountSid,
          auth_token: '${TWILIO_AUTH_TOKEN}',
          api_base_url: twilio.url,
          numbers: { [`alice@${server.domain}`]: ALICE_NUMBER },
        },
      },
    },
    extra: {
      http: { host: '127.0.0.1', port, public_url: PUBLIC },
      store: { url, lease: { ttl_ms: 3000, heartbeat_ms: 300 }, cluster: { mode: 'shard', slots: 2 } },
      log: { level: 'info' },
    },
  });
  gateways.push(gw);
  return { gw, port };
}

const status = (port: number, params: Record<string, string>) =>
  postSignedWebhook({ postUrl: `http://127.0.0.1:${port}/sms/status`, signedUrl: `${PUBLIC}/sms/status`, authToken: twilio.authToken, params });

it('a status callback posted to the instance that did not send the text gives the user the receipt, or the failure, once', { timeout: 120_000 }, async () => {
  const url = await postgres.createDatabase();
  const a = await instance(url);
  const b = await instance(url);
  const homes = [a, b].map(({ gw }) => gw.logs().find((l) => l.event === 'slot_home')?.slot);
  expect(new Set(homes).size, 'each instance took its own slot').toBe(2);
  const user = await connectClient(server, 'alice', 'pw-alice', 'shard');
  alice = user;

  /** Send a text; returns its MessageSid and the instance that did not send it. */
  const text = async (to: string, id: string, body: string) => {
    await user.send(xml('message', { to: `${to}@${SMS}`, type: 'chat', id }, xml('body', {}, body), xml('request', { xmlns: RECEIPTS })));
    const req = await waitFor(() => twilio.created().find((r) => r.form.To?.[0] === to), `Messages.create to ${to}`, 15_000);
    const sent = async (i: { port: number }) =>
      metric({ httpPort: i.port }, 'switchboard_deliveries_total', { bridge: 'sms', direction: 'out', outcome: 'done' });
    const [byA, byB] = await waitFor(async () => {
      const n = await Promise.all([sent(a), sent(b)]);
      return n[0]! + n[1]! > 0 ? n : undefined;
    }, 'the outbound item marked done');
    expect(byA! * byB!, 'one instance sent it').toBe(0);
    return { sid: req.sid!, sender: byA! > 0 ? a : b, other: byA! > 0 ? b : a };
  };
  const receipts = (id: string) => user.received.filter((s) => s.getChild('received', RECEIPTS)?.attrs.id === id);
  const failures = (id: string) => user.received.filter((s) => s.is('message') && s.attrs.type === 'error' && s.attrs.id === id);

  // Delivered: the callbacks go to the other instance (sent, then delivered, then a replay).
  const one = await text('+15557790001', 'shard-receipt-1', 'hello from a slot');
  for (const s of ['sent', 'delivered', 'delivered'])
    expect(
      (await status(one.other.port, statusParams({ accountSid: twilio.accountSid, sid: one.sid, status: s, from: ALICE_NUMBER, to: '+15557790001' }))).status,
    ).toBe(200);
  const receipt = await user.waitForStanza((s) => s.getChild('received', RECEIPTS)?.attrs.id === 'shard-receipt-1', 'the receipt', 15_000);
  expect(receipt.attrs.from).toBe(`+15557790001@${SMS}`);

  // Undelivered: the failure, with Twilio's ErrorCode, reaches the sending resource.
  const two = await text('+15557790002', 'shard-fail-1', 'into the void');
  const failed = statusParams({ accountSid: twilio.accountSid, sid: two.sid, status: 'undelivered', from: ALICE_NUMBER, to: '+15557790002', errorCode: 30005 });
  expect((await status(two.other.port, failed)).status).toBe(200);
  const err = await user.waitForStanza((s) => s.is('message') && s.attrs.type === 'error' && s.attrs.id === 'shard-fail-1', 'the failure', 15_000);
  expect(errorCondition(err)).toBe('item-not-found');
  expect(errorText(err)).toMatch(/30005/);
  // The same callback again, on both instances: nothing more.
  for (const { port } of [a, b]) expect((await status(port, failed)).status).toBe(200);

  // A third text whose callback goes to its own sender proves both queues moved on; then count.
  const three = await text('+15557790003', 'shard-receipt-2', 'marker');
  await status(three.sender.port, statusParams({ accountSid: twilio.accountSid, sid: three.sid, status: 'delivered', from: ALICE_NUMBER, to: '+15557790003' }));
  await user.waitForStanza((s) => s.getChild('received', RECEIPTS)?.attrs.id === 'shard-receipt-2', 'the marker receipt', 15_000);
  expect(receipts('shard-receipt-1')).toHaveLength(1);
  expect(failures('shard-fail-1')).toHaveLength(1);
});
