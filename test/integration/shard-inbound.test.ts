// Sharded mode on ejabberd (issue 14, design.md §5a): inbound SMTP and webhooks may land on any
// instance and still reach the user once. Two real gateway processes on one PostgreSQL, each
// holding its own slot, both connected to the SMS and email component domains (ejabberd balancing
// each over 2 slots), a local Twilio-compatible API, swaks as the sender's MTA and the aiosmtpd
// relay. The same signed webhook (same MessageSid), or the same mail (same Message-ID), given to
// both instances, one after the other (a retry elsewhere after an acknowledgement that was lost)
// and at once, is acknowledged by both and reaches the user once (src/core/postgres/shared-dedupe.ts).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { startEjabberd } from '../helpers/ejabberd.js';
import { startSmtpSink, type SmtpSink } from '../helpers/email-smtp-sink.js';
import { runSwaks } from '../helpers/email-swaks.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';
import { freePort } from '../helpers/ports.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres.js';
import type { XmppServer } from '../helpers/server-process.js';
import { inboundParams, postSignedWebhook, startFakeTwilio, type FakeTwilio } from '../helpers/sms-fake-twilio.js';
import { connectClient, type TestClient } from '../helpers/xmpp-client.js';

const SMS = 'sms.shard.localhost';
const MAIL = 'mail.shard.localhost';
const SECRET = 'shard-secret';
const PUBLIC = 'https://sms-gw.example.org';
const ALICE_NUMBER = '+15550002001';
const SENDER = '+15557780001';

let postgres: PostgresServer;
let server: XmppServer;
let twilio: FakeTwilio;
let sink: SmtpSink;
let alice: TestClient | undefined;
const gateways: RunningGateway[] = [];

beforeAll(async () => {
  postgres = await startPostgres({ fsync: false });
  twilio = await startFakeTwilio();
  sink = await startSmtpSink();
  server = await startEjabberd({
    components: [
      { domain: SMS, secret: SECRET },
      { domain: MAIL, secret: SECRET },
    ],
    users: [{ username: 'alice', password: 'pw-alice' }],
    domainBalancing: { [SMS]: 2, [MAIL]: 2 },
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
  await sink?.dispose();
  await postgres?.stop();
});

async function instance(url: string): Promise<{ gw: RunningGateway; port: number; smtpPort: number }> {
  const port = await freePort();
  const smtpPort = await freePort();
  const gw = await startGateway({
    xmppPort: server.componentPort,
    access: { domains: [server.domain] },
    env: { TWILIO_AUTH_TOKEN: twilio.authToken },
    bridges: {
      sms: {
        domain: SMS,
        component_secret: SECRET,
        options: { account_sid: twilio.accountSid, auth_token: '${TWILIO_AUTH_TOKEN}', api_base_url: twilio.url, numbers: { [`alice@${server.domain}`]: ALICE_NUMBER } },
      },
      email: {
        domain: MAIL,
        component_secret: SECRET,
        options: {
          addresses: { pattern: '{local}@mail.example.org', user_domain: server.domain },
          smtp: { host: '127.0.0.1', port: smtpPort },
          relay: { host: '127.0.0.1', port: sink.port, timeout_ms: 2000 },
          attachments: { dir: mkdtempSync(join(tmpdir(), 'sb-shard-mail-')) },
          authentication: { verify: false },
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
  return { gw, port, smtpPort };
}

/** Two instances on a fresh database, each with its own home slot, and alice online. */
async function cluster() {
  const url = await postgres.createDatabase();
  const a = await instance(url);
  const b = await instance(url);
  const homes = [a, b].map(({ gw }) => gw.logs().find((l) => l.event === 'slot_home')?.slot);
  expect(new Set(homes).size, 'each instance took its own slot').toBe(2);
  alice = await connectClient(server, 'alice', 'pw-alice', 'shard');
  return { a, b, alice };
}

const webhook = (port: number, params: Record<string, string>) =>
  postSignedWebhook({ postUrl: `http://127.0.0.1:${port}/sms/inbound`, signedUrl: `${PUBLIC}/sms/inbound`, authToken: twilio.authToken, params });

it('the same Twilio webhook posted to both instances, in turn and at once, reaches the user once', { timeout: 120_000 }, async () => {
  const { a, b, alice } = await cluster();
  const bodies = (text: string) => alice.received.filter((s) => s.is('message') && s.getChildText('body') === text);

  // In turn: A acknowledges, then Twilio's retry lands on B.
  const retried = inboundParams({ accountSid: twilio.accountSid, from: SENDER, to: ALICE_NUMBER, body: 'retried on the other instance' });
  expect((await webhook(a.port, retried)).status).toBe(200);
  expect((await webhook(b.port, retried)).status).toBe(200);
  // At once, on both.
  const raced = inboundParams({ accountSid: twilio.accountSid, from: SENDER, to: ALICE_NUMBER, body: 'posted to both at once' });
  const statuses = await Promise.all([webhook(a.port, raced), webhook(b.port, raced)]);
  expect(statuses.map((r) => r.status)).toEqual([200, 200]);

  // A later message from the same sender, on each instance, proves both queues moved on.
  for (const [i, { port }] of [a, b].entries()) {
    const marker = inboundParams({ accountSid: twilio.accountSid, from: SENDER, to: ALICE_NUMBER, body: `marker ${i}` });
    expect((await webhook(port, marker)).status).toBe(200);
    await alice.waitForStanza((s) => s.getChildText('body') === marker.Body, `marker ${i}`, 15_000);
  }
  await alice.waitForStanza((s) => s.getChildText('body') === retried.Body, 'the retried SMS', 15_000);
  await alice.waitForStanza((s) => s.getChildText('body') === raced.Body, 'the raced SMS', 15_000);
  expect(bodies(retried.Body!)).toHaveLength(1);
  expect(bodies(raced.Body!)).toHaveLength(1);
  expect(alice.received.filter((s) => s.attrs.type === 'error')).toEqual([]);
});

it('the same mail (same Message-ID) given to the SMTP listeners of both instances, in turn and at once, reaches the user once', { timeout: 120_000 }, async () => {
  const { a, b, alice } = await cluster();
  const mail = (port: number, text: string, id: string) =>
    runSwaks(port, ['--from', 'carol@example.com', '--to', 'alice@mail.example.org', '--header', `Message-Id: <${id}@example.com>`, '--body', text]);
  const copies = (text: string) => alice.received.filter((s) => s.is('message') && s.attrs.type !== 'error' && (s.getChildText('body') ?? '').includes(text));

  const stamp = Date.now().toString(36);
  expect((await mail(a.smtpPort, 'retried mail', `retried-${stamp}`)).code).toBe(0);
  expect((await mail(b.smtpPort, 'retried mail', `retried-${stamp}`)).code).toBe(0);
  const raced = await Promise.all([mail(a.smtpPort, 'raced mail', `raced-${stamp}`), mail(b.smtpPort, 'raced mail', `raced-${stamp}`)]);
  expect(raced.map((r) => r.code)).toEqual([0, 0]);
  // A later mail from the same sender, on each instance, proves both queues moved on.
  for (const [i, { smtpPort }] of [a, b].entries()) {
    expect((await mail(smtpPort, `mail marker ${i}`, `marker-${i}-${stamp}`)).code).toBe(0);
    await alice.waitForStanza((s) => (s.getChildText('body') ?? '').includes(`mail marker ${i}`), `mail marker ${i}`, 15_000);
  }
  expect(copies('retried mail')).toHaveLength(1);
  expect(copies('raced mail')).toHaveLength(1);
});
