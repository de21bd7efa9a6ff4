// End to end through the built gateway: real XMPP server, real XMPP client, the aiosmtpd relay
// and swaks as the contact's MTA.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { xml } from '@xmpp/client';
import type { Element } from 'ltx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEjabberd } from '../../../test/helpers/ejabberd.js';
import { startSmtpSink, type SmtpSink } from '../../../test/helpers/email-smtp-sink.js';
import { emailFixtureFile, runSwaks } from '../../../test/helpers/email-swaks.js';
import { startGateway, type RunningGateway } from '../../../test/helpers/gateway.js';
import { freePort } from '../../../test/helpers/ports.js';
import { startProsody } from '../../../test/helpers/prosody.js';
import type { XmppServer, XmppServerOptions } from '../../../test/helpers/server-process.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { connectClient, type TestClient } from '../../../test/helpers/xmpp-client.js';
import { unique } from './support.js';

const DOMAIN = 'mail.localhost';
const SECRET = 'email-secret';
const USERS = ['alice', 'bob', 'carl', 'dora'];

const servers: Array<[string, (opts: XmppServerOptions) => Promise<XmppServer>]> = [
  ['prosody', startProsody],
  ['ejabberd', startEjabberd],
];

describe.each(servers)('email bridge end to end with %s', (_name, start) => {
  let server: XmppServer;
  let sink: SmtpSink;
  let smtpPort: number;
  const gateways: RunningGateway[] = [];
  const clients: TestClient[] = [];

  const gateway = async (dir?: string): Promise<RunningGateway> => {
    const gw = await startGateway({
      xmppPort: server.componentPort,
      access: { domains: [server.domain] },
      extra: { http: { host: '127.0.0.1', port: await freePort(), public_url: 'https://gw.example.org' } },
      bridges: {
        email: {
          domain: DOMAIN,
          component_secret: SECRET,
          options: {
            addresses: { pattern: '{local}@mail.example.org', user_domain: server.domain },
            smtp: { host: '127.0.0.1', port: smtpPort },
            relay: { host: '127.0.0.1', port: sink.port, timeout_ms: 2000 },
            attachments: { dir: mkdtempSync(join(tmpdir(), 'sb-email-e2e-')) },
            authentication: { verify: false },
          },
        },
      },
      ...(dir ? { dir } : {}),
    });
    gateways.push(gw);
    return gw;
  };
  const login = async (user: string): Promise<TestClient> => {
    const c = await connectClient(server, user, `pw-${user}`);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    sink = await startSmtpSink();
    smtpPort = await freePort();
    server = await start({ components: [{ domain: DOMAIN, secret: SECRET }], users: USERS.map((u) => ({ username: u, password: `pw-${u}` })) });
  }, 90_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.stop()));
    for (const gw of gateways) await gw.stop();
    await server?.stop();
    await sink?.dispose();
  });

  it('round trip: XMPP → email → reply → XMPP in the same thread; relay 5xx and a DSN become errors', { timeout: 60_000 }, async () => {
    const gw = await gateway();
    try {
      await roundTrip();
    } finally {
      await gw.stop();
    }
  });

  async function roundTrip(): Promise<void> {
    const alice = await login('alice');
    const contact = unique('carol');
    const jid = `${contact}\\40example.com@${DOMAIN}`;
    await alice.send(xml('message', { to: jid, type: 'chat', id: 'rt-1' }, xml('body', {}, 'Dinner tonight?'), xml('subject', {}, 'Dinner'), xml('thread', {}, 'thread-rt')));
    const mail = await waitFor(async () => (await sink.messages()).find((m) => m.rcptTo.includes(`${contact}@example.com`)), 'the mail in the sink', 15_000);
    expect(mail.parsed.from?.value[0]?.address).toBe(`alice@mail.example.org`);
    expect(mail.parsed.subject).toBe('Dinner');

    const reply = await runSwaks(smtpPort, [
      '--from', `${contact}@example.com`, '--to', 'alice@mail.example.org',
      '--header', `Message-Id: <${unique('re')}@example.com>`, '--header', `In-Reply-To: ${mail.parsed.messageId}`, '--header', 'Subject: Re: Dinner',
      '--body', 'Yes, at eight.\n\nOn Monday alice wrote:\n> Dinner tonight?\n',
    ]);
    expect(reply.code, reply.output).toBe(0);
    const got = await alice.waitForStanza((s) => s.is('message') && s.attrs.from === jid && s.getChildText('body') !== null, 'the reply over XMPP');
    expect(got.getChildText('body')).toBe('Yes, at eight.');
    expect(got.getChildText('thread')).toBe('thread-rt');

    sink.setMode('550');
    await alice.send(xml('message', { to: jid, type: 'chat', id: 'rt-refused' }, xml('body', {}, 'refused')));
    const refused = await alice.waitForStanza((s) => s.attrs.type === 'error' && s.attrs.id === 'rt-refused', 'error for the refused mail');
    expect(refused.getChild('error')?.getChild('forbidden')).toBeDefined();
    expect(refused.getChild('error')?.getChildText('text')).toContain('550 5.7.1');
    sink.setMode('ok');

    const nobody = unique('nobody');
    await alice.send(xml('message', { to: `${nobody}\\40example.com@${DOMAIN}`, type: 'chat', id: 'rt-bounce' }, xml('body', {}, 'to bounce')));
    const sent = await waitFor(async () => (await sink.messages()).find((m) => m.rcptTo.includes(`${nobody}@example.com`)), 'the bouncing mail', 15_000);
    const dsn = emailFixtureFile('dsn.eml', { TO: 'alice@mail.example.org', UNIQUE: unique('dsn'), ORIGINAL_ID: sent.parsed.messageId! });
    expect((await runSwaks(smtpPort, ['--from', '', '--to', 'alice@mail.example.org', '--data', dsn])).code).toBe(0);
    const bounced = await alice.waitForStanza((s: Element) => s.attrs.type === 'error' && s.attrs.id === 'rt-bounce', 'error for the bounced mail');
    expect(bounced.getChild('error')?.getChild('item-not-found')).toBeDefined();

    // XEP-0100: the typed address becomes the contact's JID.
    const iq = await alice.iq(xml('iq', { type: 'set', to: DOMAIN }, xml('query', { xmlns: 'jabber:iq:gateway' }, xml('prompt', {}, 'Dave@Example.com'))));
    expect(iq.getChild('query')?.getChildText('jid')).toBe(`Dave\\40example.com@${DOMAIN}`);
  }

  it('a mail acknowledged with 250 just before a SIGKILL is delivered after the restart', { timeout: 90_000 }, async () => {
    const first = await gateway();
    const sender = `${unique('eve')}@example.com`;
    await server.restart(async () => {
      // The XMPP server is down: the committed message cannot leave the outbox before the kill.
      const r = await runSwaks(smtpPort, ['--from', sender, '--to', 'bob@mail.example.org', '--header', `Message-Id: <${unique('k')}@example.com>`, '--body', 'survives kill -9']);
      expect(r.code, r.output).toBe(0);
      await first.kill();
    });
    const bob = await login('bob');
    await gateway(first.dir);
    const got = await bob.waitForStanza((s) => s.getChildText('body') === 'survives kill -9', 'the mail after the restart', 20_000);
    expect(got.attrs.from).toBe(`${sender.replace('@', '\\40')}@${DOMAIN}`);
  });
});
