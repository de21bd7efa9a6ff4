/**
 * The stack of the bounce tests (test/integration/bounce*.test.ts): a real XMPP server with
 * offline storage off, the SMS bridge on the fake Twilio API, the email bridge with its SMTP
 * listener (swaks in) and the aiosmtpd relay sink behind the fault proxy (out), and the ways a
 * test sends a text, sends a mail, reads the logs and drives the admin `dead-letters` command.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { xml } from '@xmpp/client';
import type { Element } from 'ltx';
import { startSmtpSink, type SmtpSink } from './email-smtp-sink.js';
import { runSwaks } from './email-swaks.js';
import { startFaultProxy, type FaultProxy } from './fault-proxy.js';
import { startGateway, type RunningGateway } from './gateway.js';
import { freePort } from './ports.js';
import type { XmppServer, XmppServerOptions } from './server-process.js';
import { inboundParams, postSignedWebhook, startFakeTwilio, type FakeTwilio } from './sms-fake-twilio.js';
import { connectClient, type TestClient } from './xmpp-client.js';

export const SMS = 'sms.localhost';
export const MAIL = 'mail.localhost';
const PUBLIC = 'https://bounce-gw.example.org';
let seq = 0;
export const uid = (p: string): string => `${p}-${Date.now().toString(36)}-${(seq += 1)}`;

export interface BounceStackOptions {
  start(opts: XmppServerOptions): Promise<XmppServer>;
  /** Accounts on the XMPP server (password `pw-<name>`); `admin` is added. */
  users: string[];
  /** Phone numbers of the SMS bridge: username → E.164. */
  numbers: Record<string, string>;
  /** The outbox backoff (base = max) and attempts. */
  delayMs: number;
  maxAttempts: number;
}

export interface BounceStack {
  server: XmppServer;
  sink: SmtpSink;
  /** Between the gateway and the relay sink. */
  relay: FaultProxy;
  gateway: RunningGateway;
  login(user: string): Promise<TestClient>;
  text(to: string, body: string): Promise<{ status: number }>;
  mail(from: string, to: string, body: string): Promise<{ code: number | null; output: string }>;
  /** The first log line of `event` on `bridge` since `since` (for `user`, when given). */
  logged(event: string, bridge: string, since: number, user?: string): Promise<Record<string, unknown>>;
  /** As an admin: the dead letter of `bridge` whose label has every one of `parts`, retried. */
  retryDeadLetter(bridge: string, parts: string[]): Promise<void>;
  stop(): Promise<void>;
}

export async function startBounceStack(o: BounceStackOptions): Promise<BounceStack> {
  const sink = await startSmtpSink();
  const relay = await startFaultProxy({ port: sink.port });
  const twilio: FakeTwilio = await startFakeTwilio();
  const [httpPort, smtpPort] = [await freePort(), await freePort()];
  const server = await o.start({
    offlineStorage: false,
    components: [
      { domain: SMS, secret: 'sms-secret' },
      { domain: MAIL, secret: 'mail-secret' },
    ],
    users: [...o.users, 'admin'].map((u) => ({ username: u, password: `pw-${u}` })),
  });
  const domain = server.domain;
  const gateway = await startGateway({
    xmppPort: server.componentPort,
    admins: [`admin@${domain}`],
    access: { domains: [domain] },
    extra: {
      http: { host: '127.0.0.1', port: httpPort, public_url: PUBLIC },
      outbox: { max_attempts: o.maxAttempts, base_delay_ms: o.delayMs, max_delay_ms: o.delayMs },
    },
    bridges: {
      sms: {
        domain: SMS,
        component_secret: 'sms-secret',
        options: {
          account_sid: twilio.accountSid,
          auth_token: twilio.authToken,
          api_base_url: twilio.url,
          numbers: Object.fromEntries(Object.entries(o.numbers).map(([u, n]) => [`${u}@${domain}`, n])),
        },
      },
      email: {
        domain: MAIL,
        component_secret: 'mail-secret',
        options: {
          // Every local part is accepted at RCPT, whether or not an XMPP account is behind it.
          addresses: { pattern: '{local}@mail.example.org', user_domain: domain },
          smtp: { host: '127.0.0.1', port: smtpPort, greeting_name: 'mx.bounce.test' },
          relay: { host: '127.0.0.1', port: relay.port, timeout_ms: 2000 },
          attachments: { dir: mkdtempSync(join(tmpdir(), 'sb-bounce-')) },
          authentication: { verify: false },
        },
      },
    },
  });
  const clients: TestClient[] = [];
  const login = async (user: string): Promise<TestClient> => {
    const c = await connectClient(server, user, `pw-${user}`);
    clients.push(c);
    return c;
  };
  let admin: TestClient | undefined;
  return {
    server,
    sink,
    relay,
    gateway,
    login,
    text: (to, body) =>
      postSignedWebhook({
        postUrl: `http://127.0.0.1:${httpPort}/sms/inbound`,
        signedUrl: `${PUBLIC}/sms/inbound`,
        authToken: twilio.authToken,
        params: inboundParams({ accountSid: twilio.accountSid, from: '+15557770123', to, body }),
      }),
    mail: (from, to, body) =>
      runSwaks(smtpPort, ['--from', from, '--to', to, '--header', `Message-Id: <${uid('m')}@example.com>`, '--header', 'Subject: Bounce test', '--body', body]),
    logged: (event, bridge, since, user) =>
      gateway.waitForLog(
        (l) => l.event === event && l.bridge === bridge && Date.parse(String(l.time)) >= since && (user === undefined || l.user === user),
        `${event} on ${bridge}${user ? ` for ${user}` : ''}`,
        30_000,
      ),
    async retryDeadLetter(bridge, parts) {
      admin ??= await login('admin');
      const cmd = (node: string, children: Element[] = [], attrs: Record<string, string> = {}) =>
        admin!.iq(xml('iq', { type: 'set', to: bridge }, xml('command', { xmlns: 'http://jabber.org/protocol/commands', node, ...attrs }, ...children)));
      const listed = await cmd('dead-letters', [], { action: 'execute' });
      const field = listed.getChild('command')?.getChild('x', 'jabber:x:data')?.getChildren('field').find((f) => f.attrs.var === 'items');
      const options = field?.getChildren('option') ?? [];
      const item = options.find((opt) => parts.every((p) => String(opt.attrs.label ?? '').includes(p)));
      if (!item) throw new Error(`no dead letter with ${parts.join(', ')} among:\n${options.map((x) => x.attrs.label).join('\n')}`);
      const submit = xml('x', { xmlns: 'jabber:x:data', type: 'submit' },
        xml('field', { var: 'items' }, xml('value', {}, item.getChildText('value') ?? '')),
        xml('field', { var: 'action' }, xml('value', {}, 'retry')));
      const done = await cmd('dead-letters', [submit], { action: 'complete', sessionid: listed.getChild('command')?.attrs.sessionid as string });
      if (done.getChild('command')?.attrs.status !== 'completed') throw new Error(`dead-letters retry not completed: ${done.toString()}`);
    },
    async stop() {
      await Promise.all(clients.map((c) => c.stop()));
      await gateway.stop();
      await server.stop();
      await twilio.close();
      await relay.close();
      await sink.dispose();
    },
  };
}
