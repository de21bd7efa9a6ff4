/**
 * The sharded-mode stack of the inbound and callback tests (issue 14, design.md §5a): a real
 * ejabberd balancing the SMS and email component domains over 2 slots, one PostgreSQL, the local
 * Twilio-compatible API and the aiosmtpd relay; `cluster()` starts two gateway processes on a fresh
 * database (each takes its own home slot) and brings alice online. Registers its own hooks:
 * servers per file, gateways and alice per test.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { startEjabberd } from './ejabberd.js';
import { startSmtpSink, type SmtpSink } from './email-smtp-sink.js';
import { startGateway, type RunningGateway } from './gateway.js';
import { freePort } from './ports.js';
import { startPostgres, type PostgresServer } from './postgres.js';
import type { XmppServer } from './server-process.js';
import { startFakeTwilio, type FakeTwilio } from './sms-fake-twilio.js';
import { connectClient, type TestClient } from './xmpp-client.js';

export const SHARD_SMS = 'sms.shard.localhost';
export const SHARD_MAIL = 'mail.shard.localhost';
/** The public URL Twilio signs webhooks with (the load balancer's). */
export const SHARD_PUBLIC = 'https://sms-gw.example.org';
export const ALICE_NUMBER = '+15550002001';
const SECRET = 'shard-secret';

export interface ShardInstance {
  gw: RunningGateway;
  /** Its HTTP port (webhooks). */
  port: number;
  smtpPort: number;
}

export interface ShardStack {
  readonly server: XmppServer;
  readonly twilio: FakeTwilio;
  readonly sink: SmtpSink;
  /** Two instances on a fresh database, each with its own home slot, and alice online. */
  cluster(): Promise<{ a: ShardInstance; b: ShardInstance; alice: TestClient }>;
}

export function useShardStack(): ShardStack {
  let postgres: PostgresServer | undefined;
  let server: XmppServer | undefined;
  let twilio: FakeTwilio | undefined;
  let sink: SmtpSink | undefined;
  let alice: TestClient | undefined;
  const gateways: RunningGateway[] = [];

  beforeAll(async () => {
    postgres = await startPostgres({ fsync: false });
    twilio = await startFakeTwilio();
    sink = await startSmtpSink();
    server = await startEjabberd({
      components: [
        { domain: SHARD_SMS, secret: SECRET },
        { domain: SHARD_MAIL, secret: SECRET },
      ],
      users: [{ username: 'alice', password: 'pw-alice' }],
      domainBalancing: { [SHARD_SMS]: 2, [SHARD_MAIL]: 2 },
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

  const stack: ShardStack = {
    get server() {
      return server!;
    },
    get twilio() {
      return twilio!;
    },
    get sink() {
      return sink!;
    },
    async cluster() {
      const url = await postgres!.createDatabase();
      const a = await instance(url);
      const b = await instance(url);
      const homes = [a, b].map(({ gw }) => gw.logs().find((l) => l.event === 'slot_home')?.slot);
      expect(new Set(homes).size, 'each instance took its own slot').toBe(2);
      alice = await connectClient(server!, 'alice', 'pw-alice', 'shard');
      return { a, b, alice };
    },
  };

  async function instance(url: string): Promise<ShardInstance> {
    const port = await freePort();
    const smtpPort = await freePort();
    const gw = await startGateway({
      xmppPort: stack.server.componentPort,
      access: { domains: [stack.server.domain] },
      env: { TWILIO_AUTH_TOKEN: stack.twilio.authToken },
      bridges: {
        sms: {
          domain: SHARD_SMS,
          component_secret: SECRET,
          options: {
            account_sid: stack.twilio.accountSid,
            auth_token: '${TWILIO_AUTH_TOKEN}',
            api_base_url: stack.twilio.url,
            numbers: { [`alice@${stack.server.domain}`]: ALICE_NUMBER },
          },
        },
        email: {
          domain: SHARD_MAIL,
          component_secret: SECRET,
          options: {
            addresses: { pattern: '{local}@mail.example.org', user_domain: stack.server.domain },
            smtp: { host: '127.0.0.1', port: smtpPort },
            relay: { host: '127.0.0.1', port: stack.sink.port, timeout_ms: 2000 },
            attachments: { dir: mkdtempSync(join(tmpdir(), 'sb-shard-mail-')) },
            authentication: { verify: false },
          },
        },
      },
      extra: {
        http: { host: '127.0.0.1', port, public_url: SHARD_PUBLIC },
        store: { url, lease: { ttl_ms: 3000, heartbeat_ms: 300 }, cluster: { mode: 'shard', slots: 2 } },
        log: { level: 'info' },
      },
    });
    gateways.push(gw);
    return { gw, port, smtpPort };
  }

  return stack;
}
