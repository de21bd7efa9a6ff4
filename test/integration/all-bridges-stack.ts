/**
 * One real stack with every bridge: Prosody with user alice, the built gateway with the irc,
 * sms, email and echo bridges, ngircd with a native IRC user, the local Twilio API and the
 * aiosmtpd relay sink. For tests that send the same kind of stanza to each bridge.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSmtpSink, type SmtpSink } from '../helpers/email-smtp-sink.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';
import { connectNativeIrc, type NativeIrcUser } from '../helpers/irc-native.js';
import { startNgircd, type Ngircd } from '../helpers/irc-ngircd.js';
import { freePort } from '../helpers/ports.js';
import { startProsody } from '../helpers/prosody.js';
import type { XmppServer } from '../helpers/server-process.js';
import { startFakeTwilio, type FakeTwilio } from '../helpers/sms-fake-twilio.js';
import { connectClient, type TestClient } from '../helpers/xmpp-client.js';

export const DOMAINS = { irc: 'irc.localhost', sms: 'sms.localhost', email: 'mail.localhost', echo: 'echo.localhost' } as const;
export const ALICE_NUMBER = '+15550009001';

export interface AllBridges {
  server: XmppServer;
  gateway: RunningGateway;
  ircd: Ngircd;
  twilio: FakeTwilio;
  sink: SmtpSink;
  alice: TestClient;
  native: NativeIrcUser;
  stop(): Promise<void>;
}

export async function startAllBridges(nativeNick: string): Promise<AllBridges> {
  const ircd = await startNgircd();
  const twilio = await startFakeTwilio();
  const sink = await startSmtpSink();
  const server = await startProsody({
    components: Object.values(DOMAINS).map((domain) => ({ domain, secret: `secret-${domain}` })),
    users: [{ username: 'alice', password: 'pw-alice' }],
  });
  const bridge = (id: keyof typeof DOMAINS, options?: Record<string, unknown>) => ({
    domain: DOMAINS[id],
    component_secret: `secret-${DOMAINS[id]}`,
    ...(options ? { options } : {}),
  });
  const gateway = await startGateway({
    xmppPort: server.componentPort,
    access: { users: [`alice@${server.domain}`] },
    extra: { http: { host: '127.0.0.1', port: await freePort(), public_url: 'https://gw.example.org' } },
    bridges: {
      irc: bridge('irc', { networks: { test: { servers: [{ host: '127.0.0.1', port: ircd.port, tls: false }] } } }),
      sms: bridge('sms', { account_sid: twilio.accountSid, auth_token: twilio.authToken, api_base_url: twilio.url, numbers: { [`alice@${server.domain}`]: ALICE_NUMBER } }),
      email: bridge('email', {
        addresses: { pattern: '{local}@mail.example.org', user_domain: server.domain },
        smtp: { host: '127.0.0.1', port: await freePort() },
        relay: { host: '127.0.0.1', port: sink.port, timeout_ms: 2000 },
        attachments: { dir: mkdtempSync(join(tmpdir(), 'sb-all-bridges-')) },
        authentication: { verify: false },
      }),
      echo: bridge('echo'),
    },
  });
  const alice = await connectClient(server, 'alice', 'pw-alice', 'resource1');
  const native = await connectNativeIrc(ircd.port, nativeNick);
  return {
    server,
    gateway,
    ircd,
    twilio,
    sink,
    alice,
    native,
    async stop() {
      await native.quit();
      await alice.stop();
      await gateway.stop();
      await server.stop();
      await Promise.all([ircd.stop(), twilio.close(), sink.dispose()]);
    },
  };
}
