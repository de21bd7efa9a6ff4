// Route health reaches the roster (design.md §4: SMS and email have no presence of their own,
// the core shows the route's health): with the Twilio API and the SMTP relay taken down and up
// again, every subscribed contact goes unavailable with the reason and available again, and
// /healthz and /metrics say the same. Real Prosody and ejabberd, the fake Twilio API behind a
// TCP toggle, the aiosmtpd relay stopped and started on its port.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { xml } from '@xmpp/client';
import type { Element } from 'ltx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpSink, type SmtpSink } from '../helpers/email-smtp-sink.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';
import { healthz, metric } from '../helpers/gateway-http.js';
import { freePort } from '../helpers/ports.js';
import { startEjabberd } from '../helpers/ejabberd.js';
import { startProsody } from '../helpers/prosody.js';
import type { XmppServer, XmppServerOptions } from '../helpers/server-process.js';
import { startFakeTwilio, type FakeTwilio } from '../helpers/sms-fake-twilio.js';
import { startTcpToggle, type TcpToggle } from '../helpers/tcp-toggle.js';
import { waitFor } from '../helpers/wait.js';
import { connectClient, type TestClient } from '../helpers/xmpp-client.js';

const SMS = 'sms.localhost';
const MAIL = 'mail.localhost';
const PHONE = `+15557770100@${SMS}`;
const MAILBOX = `bob\\40example.com@${MAIL}`;

const servers: Array<[string, (opts: XmppServerOptions) => Promise<XmppServer>]> = [
  ['prosody', startProsody],
  ['ejabberd', startEjabberd],
];

describe.each(servers)('route health through %s', (_name, start) => {
  let server: XmppServer;
  let sink: SmtpSink;
  let twilio: FakeTwilio;
  let toggle: TcpToggle;
  let gateway: RunningGateway;
  let httpPort: number;
  let alice: TestClient;

  /** A presence of `jid` received after the `mark()` that returned `since`. */
  const presenceFrom = (jid: string, available: boolean, since: Set<Element>) => (s: Element) =>
    !since.has(s) && s.is('presence') && s.attrs.from === jid && (s.attrs.type === 'unavailable') !== available;
  const mark = () => new Set(alice.received);
  const bridgeHealth = async (bridge: string) => (await healthz({ httpPort })).body.bridges?.[bridge];
  const canDeliverMetric = (bridge: string) => metric({ httpPort }, 'switchboard_bridge_can_deliver', { bridge });

  beforeAll(async () => {
    sink = await startSmtpSink();
    twilio = await startFakeTwilio();
    toggle = await startTcpToggle(Number(new URL(twilio.url).port));
    httpPort = await freePort();
    server = await start({
      components: [
        { domain: SMS, secret: 'sms-secret' },
        { domain: MAIL, secret: 'mail-secret' },
      ],
      users: [{ username: 'alice', password: 'pw-alice' }],
    });
    gateway = await startGateway({
      xmppPort: server.componentPort,
      access: { domains: [server.domain] },
      extra: { http: { host: '127.0.0.1', port: httpPort, public_url: 'https://health-gw.example.org' } },
      bridges: {
        sms: {
          domain: SMS,
          component_secret: 'sms-secret',
          options: {
            account_sid: twilio.accountSid,
            auth_token: twilio.authToken,
            api_base_url: toggle.url,
            request_timeout_ms: 2000,
            numbers: { [`alice@${server.domain}`]: '+15550003001' },
          },
        },
        email: {
          domain: MAIL,
          component_secret: 'mail-secret',
          options: {
            addresses: { pattern: '{local}@mail.example.org', user_domain: server.domain },
            smtp: { host: '127.0.0.1', port: await freePort() },
            relay: { host: '127.0.0.1', port: sink.port, timeout_ms: 2000, pool: false },
            attachments: { dir: mkdtempSync(join(tmpdir(), 'sb-health-')) },
            authentication: { verify: false },
          },
        },
      },
    });
    alice = await connectClient(server, 'alice', 'pw-alice');
    for (const jid of [PHONE, MAILBOX]) {
      await alice.send(xml('presence', { to: jid, type: 'subscribe' }));
      await alice.waitForStanza((s) => s.is('presence') && s.attrs.from === jid && s.attrs.type === undefined, `${jid} available after subscribing`);
    }
  }, 60_000);

  afterAll(async () => {
    await alice?.stop();
    await gateway?.stop();
    await server?.stop();
    await toggle?.close();
    await twilio?.close();
    await sink?.dispose();
  });

  it('the Twilio API going down and up is shown to subscribed contacts, in /healthz and in a metric', { timeout: 60_000 }, async () => {
    await toggle.down();
    const t0 = mark();
    await alice.send(xml('message', { to: PHONE, type: 'chat', id: 'h-sms' }, xml('body', {}, 'while Twilio is down')));
    const down = await alice.waitForStanza(presenceFrom(PHONE, false, t0), 'the phone contact unavailable');
    expect(down.getChildText('status')).toContain('Twilio API unreachable');
    expect((await bridgeHealth('sms'))).toMatchObject({ canDeliver: false, reason: expect.stringContaining('Twilio') });
    expect(await canDeliverMetric('sms')).toBe(0);

    await toggle.up();
    const t1 = mark();
    await alice.waitForStanza(presenceFrom(PHONE, true, t1), 'the phone contact available again', 20_000);
    await waitFor(() => twilio.created().find((r) => r.form.Body?.[0] === 'while Twilio is down'), 'the queued text sent after recovery');
    expect((await bridgeHealth('sms'))).toEqual({ canDeliver: true });
    expect(await canDeliverMetric('sms')).toBe(1);
  });

  it('the SMTP relay going down and up is shown to subscribed contacts, in /healthz and in a metric', { timeout: 60_000 }, async () => {
    await sink.stop();
    const t0 = mark();
    await alice.send(xml('message', { to: MAILBOX, type: 'chat', id: 'h-mail' }, xml('body', {}, 'while the relay is down')));
    const down = await alice.waitForStanza(presenceFrom(MAILBOX, false, t0), 'the mail contact unavailable');
    expect(down.getChildText('status')).toContain('mail relay');
    expect((await bridgeHealth('email'))?.canDeliver).toBe(false);
    expect(await canDeliverMetric('email')).toBe(0);

    await sink.start();
    const t1 = mark();
    await alice.waitForStanza(presenceFrom(MAILBOX, true, t1), 'the mail contact available again', 20_000);
    await waitFor(async () => (await sink.messages()).find((m) => m.parsed.text?.includes('while the relay is down')), 'the queued mail sent after recovery');
    expect((await bridgeHealth('email'))).toEqual({ canDeliver: true });
    expect(await canDeliverMetric('email')).toBe(1);
  });
});
