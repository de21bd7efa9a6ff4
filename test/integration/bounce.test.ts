// A server bounce is a failed delivery (design.md §5): through real Prosody and ejabberd with
// offline storage off, a text (signed Twilio webhook) and a mail (swaks → the SMTP listener)
// acknowledged with 200/250 to a user who is offline, and to an address with no account behind
// it. The first are retried when the user comes online; the second become dead letters, the
// mail's sender gets a DSN through the relay (aiosmtpd sink), and an admin can retry the text.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { xml } from '@xmpp/client';
import type { Element } from 'ltx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDsn } from '../../bridges/email/dsn.js';
import { startEjabberd } from '../helpers/ejabberd.js';
import { startSmtpSink, type SmtpSink } from '../helpers/email-smtp-sink.js';
import { runSwaks } from '../helpers/email-swaks.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';
import { freePort } from '../helpers/ports.js';
import { startProsody } from '../helpers/prosody.js';
import type { XmppServer, XmppServerOptions } from '../helpers/server-process.js';
import { inboundParams, postSignedWebhook, startFakeTwilio, type FakeTwilio } from '../helpers/sms-fake-twilio.js';
import { waitFor } from '../helpers/wait.js';
import { connectClient, type TestClient } from '../helpers/xmpp-client.js';

const SMS = 'sms.localhost';
const MAIL = 'mail.localhost';
const PUBLIC = 'https://bounce-gw.example.org';
const CAROL_NUMBER = '+15550002001';
const GHOST_NUMBER = '+15550002002';
/** The first retry of a bounced item waits 4–8 s: a delivery sooner than that came from the user's presence. */
const BASE_DELAY_MS = 8000;
let seq = 0;
const uid = (p: string) => `${p}-${Date.now().toString(36)}-${(seq += 1)}`;

const servers: Array<[string, (opts: XmppServerOptions) => Promise<XmppServer>]> = [
  ['prosody', startProsody],
  ['ejabberd', startEjabberd],
];

describe.each(servers)('bounces through %s without offline storage', (_name, start) => {
  let server: XmppServer;
  let sink: SmtpSink;
  let twilio: FakeTwilio;
  let gateway: RunningGateway;
  let httpPort: number;
  let smtpPort: number;
  const clients: TestClient[] = [];

  const login = async (user: string): Promise<TestClient> => {
    const c = await connectClient(server, user, `pw-${user}`);
    clients.push(c);
    return c;
  };
  const text = (to: string, body: string) =>
    postSignedWebhook({
      postUrl: `http://127.0.0.1:${httpPort}/sms/inbound`,
      signedUrl: `${PUBLIC}/sms/inbound`,
      authToken: twilio.authToken,
      params: inboundParams({ accountSid: twilio.accountSid, from: '+15557770123', to, body }),
    });
  const mail = (from: string, to: string, body: string) =>
    runSwaks(smtpPort, ['--from', from, '--to', to, '--header', `Message-Id: <${uid('m')}@example.com>`, '--header', 'Subject: Bounce test', '--body', body]);
  const logged = (event: string, bridge: string, since: number) =>
    gateway.waitForLog((l) => l.event === event && l.bridge === bridge && Date.parse(String(l.time)) >= since, `${event} on ${bridge}`, 30_000);

  beforeAll(async () => {
    sink = await startSmtpSink();
    twilio = await startFakeTwilio();
    [httpPort, smtpPort] = [await freePort(), await freePort()];
    server = await start({
      offlineStorage: false,
      components: [
        { domain: SMS, secret: 'sms-secret' },
        { domain: MAIL, secret: 'mail-secret' },
      ],
      users: ['carol', 'admin'].map((u) => ({ username: u, password: `pw-${u}` })),
    });
    const domain = server.domain;
    gateway = await startGateway({
      xmppPort: server.componentPort,
      admins: [`admin@${domain}`],
      access: { domains: [domain] },
      extra: {
        http: { host: '127.0.0.1', port: httpPort, public_url: PUBLIC },
        outbox: { max_attempts: 2, base_delay_ms: BASE_DELAY_MS, max_delay_ms: BASE_DELAY_MS },
      },
      bridges: {
        sms: {
          domain: SMS,
          component_secret: 'sms-secret',
          options: {
            account_sid: twilio.accountSid,
            auth_token: twilio.authToken,
            api_base_url: twilio.url,
            numbers: { [`carol@${domain}`]: CAROL_NUMBER, [`ghost@${domain}`]: GHOST_NUMBER },
          },
        },
        email: {
          domain: MAIL,
          component_secret: 'mail-secret',
          options: {
            // Every local part is accepted at RCPT: ghost@ has no XMPP account behind it.
            addresses: { pattern: '{local}@mail.example.org', user_domain: domain },
            smtp: { host: '127.0.0.1', port: smtpPort, greeting_name: 'mx.bounce.test' },
            relay: { host: '127.0.0.1', port: sink.port, timeout_ms: 2000 },
            attachments: { dir: mkdtempSync(join(tmpdir(), 'sb-bounce-')) },
            authentication: { verify: false },
          },
        },
      },
    });
  }, 90_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.stop()));
    await gateway?.stop();
    await server?.stop();
    await twilio?.close();
    await sink?.dispose();
  });

  it('a text and a mail to an offline user bounce, wait, and reach her as soon as she comes online', { timeout: 90_000 }, async () => {
    // Carol lets both gateways see her presence (RFC 6121 §3): the gateway asks back when she subscribes.
    const first = await login('carol');
    for (const domain of [SMS, MAIL]) {
      await first.send(xml('presence', { to: domain, type: 'subscribe' }));
      await first.waitForStanza((s) => s.is('presence') && s.attrs.from === domain && s.attrs.type === 'subscribe', `${domain} asks to see carol's presence`);
      await first.send(xml('presence', { to: domain, type: 'subscribed' }));
    }
    // A roster round trip: the server has stored both approvals before carol leaves.
    await first.iq(xml('iq', { type: 'get' }, xml('query', { xmlns: 'jabber:iq:roster' })));
    await first.stop();

    const since = Date.now();
    const smsBody = uid('text-for-carol');
    const mailBody = uid('mail-for-carol');
    expect((await text(CAROL_NUMBER, smsBody)).status).toBe(200);
    const sent = await mail('dan@example.com', 'carol@mail.example.org', mailBody);
    expect(sent.code, sent.output).toBe(0);
    await logged('bounce_retry', 'sms', since);
    await logged('bounce_retry', 'email', since);

    const carol = await login('carol');
    const back = Date.now();
    // Well inside the 4 s minimum backoff: her presence, not the timer, brought them.
    const got = await Promise.all([
      carol.waitForStanza((s) => s.getChildText('body') === smsBody, 'the text after carol came online', 3500),
      carol.waitForStanza((s) => s.getChildText('body')?.includes(mailBody) === true, 'the mail after carol came online', 3500),
    ]);
    expect(Date.now() - back).toBeLessThan(BASE_DELAY_MS / 2);
    expect(got[0].attrs.from).toBe(`+15557770123@${SMS}`);
    expect(got[1].attrs.from).toBe(`dan\\40example.com@${MAIL}`);
  });

  it('a text and a mail to an address with no account are dead letters; the sender gets a DSN and an admin can retry the text', { timeout: 90_000 }, async () => {
    const since = Date.now();
    const sender = `${uid('erin')}@example.com`;
    const smsBody = uid('text-for-ghost');
    expect((await text(GHOST_NUMBER, smsBody)).status).toBe(200);
    const sent = await mail(sender, 'ghost@mail.example.org', 'nobody reads this');
    expect(sent.code, sent.output).toBe(0);
    // Two attempts, two bounces, then dead.
    await logged('dead_letter', 'sms', since);
    await logged('dead_letter', 'email', since);

    const dsn = await waitFor(async () => (await sink.messages()).find((m) => m.rcptTo.includes(sender)), 'the DSN in the relay sink', 15_000);
    expect(['', '<>']).toContain(dsn.mailFrom); // null reverse-path: a DSN is never answered (RFC 3464 §2)
    expect(dsn.parsed.from?.value[0]?.address).toBe('postmaster@mail.example.org');
    const report = parseDsn(dsn.parsed);
    expect(report?.failures).toEqual([expect.objectContaining({ recipient: 'ghost@mail.example.org', status: '5.0.0' })]);
    expect(report?.failures[0]?.diagnostic).toContain('service-unavailable');

    // The dead text is visible to admins; once ghost has an account, retrying delivers it.
    await server.addUser('ghost', 'pw-ghost');
    const ghost = await login('ghost');
    const admin = await login('admin');
    const cmd = (node: string, children: Element[] = [], attrs: Record<string, string> = {}) =>
      admin.iq(xml('iq', { type: 'set', to: SMS }, xml('command', { xmlns: 'http://jabber.org/protocol/commands', node, ...attrs }, ...children)));
    const listed = await cmd('dead-letters', [], { action: 'execute' });
    const options = listed.getChild('command')?.getChild('x', 'jabber:x:data')?.getChildren('field').find((f) => f.attrs.var === 'items')?.getChildren('option') ?? [];
    const item = options.find((o) => o.attrs.label?.includes(`ghost@${server.domain}`) && o.attrs.label.includes('service-unavailable'));
    expect(item, options.map((o) => o.attrs.label).join('\n')).toBeDefined();
    const submit = xml('x', { xmlns: 'jabber:x:data', type: 'submit' },
      xml('field', { var: 'items' }, xml('value', {}, item!.getChildText('value') ?? '')),
      xml('field', { var: 'action' }, xml('value', {}, 'retry')));
    const done = await cmd('dead-letters', [submit], { action: 'complete', sessionid: listed.getChild('command')?.attrs.sessionid as string });
    expect(done.getChild('command')?.attrs.status).toBe('completed');
    await ghost.waitForStanza((s) => s.getChildText('body') === smsBody, 'the retried dead letter', 10_000);
  });
});
