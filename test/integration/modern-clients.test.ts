// Modern clients through a real XMPP server (issue 12): stanzas exactly as Conversations and Gajim
// send them (test/fixtures/xmpp/, each citing its source), sent by a real XMPP client logged in to
// Prosody and to ejabberd, to the built gateway's SMS bridge (the local Twilio API) and email
// bridge (the aiosmtpd relay sink). Nothing of a fallback reaches Twilio or the sink, each refusal
// carries the original id, chat states pass silently, a phone's tapback arrives as XEP-0444, and
// disco#info (and the XEP-0115 caps of contacts' presences) says what each network carries. (IRC is the IRC bridge's: fallbacks.test.ts and
// bridges/irc/test.)
import { xml } from '@xmpp/client';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CAPS_NODE, capsVer } from '../../src/xmpp/caps.js';
import { clientStanza } from '../helpers/client-stanzas.js';
import { startEjabberd } from '../helpers/ejabberd.js';
import { startSmtpSink, type SmtpSink } from '../helpers/email-smtp-sink.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';
import { freePort } from '../helpers/ports.js';
import { startProsody } from '../helpers/prosody.js';
import type { XmppServer, XmppServerOptions } from '../helpers/server-process.js';
import { inboundParams, postSignedWebhook, startFakeTwilio, type FakeTwilio } from '../helpers/sms-fake-twilio.js';
import { errorCondition, errorText } from '../helpers/stanza-assert.js';
import { waitFor } from '../helpers/wait.js';
import { connectClient, type TestClient } from '../helpers/xmpp-client.js';

const SMS = 'sms.localhost';
const MAIL = 'mail.localhost';
const PUBLIC = 'https://modern-gw.example.org';
const ALICE_NUMBER = '+15550002001';
const FALLBACK_WORDS = /attempted to retract|&gt;|^>|Bob:|dinner at 8\?/m;

let seq = 0;
const uid = (p: string) => `${p}-${Date.now().toString(36)}-${(seq += 1)}`;

const servers: Array<[string, (opts: XmppServerOptions) => Promise<XmppServer>]> = [
  ['prosody', startProsody],
  ['ejabberd', startEjabberd],
];

describe.each(servers)('modern clients through %s', (_name, start) => {
  let server: XmppServer;
  let twilio: FakeTwilio;
  let sink: SmtpSink;
  let gateway: RunningGateway;
  let httpPort: number;
  let alice: TestClient;

  const refused = async (id: string, text: RegExp) => {
    const err = await alice.waitForStanza((el) => el.is('message') && el.attrs.type === 'error' && el.attrs.id === id, `the error for ${id}`);
    expect(errorCondition(err)).toBe('feature-not-implemented');
    expect(err.getChild('error')?.attrs.type).toBe('cancel');
    expect(errorText(err)).toMatch(text);
  };
  const bodiesTo = (number: string) => twilio.created().filter((r) => r.form.To?.[0] === number).map((r) => r.form.Body?.[0] ?? '');
  const features = async (jid: string) => {
    const info = await alice.iq(xml('iq', { type: 'get', to: jid }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' })));
    expect(info.attrs.type).toBe('result');
    return info.getChild('query')!.getChildren('feature').map((f) => f.attrs.var as string);
  };

  beforeAll(async () => {
    twilio = await startFakeTwilio();
    sink = await startSmtpSink();
    httpPort = await freePort();
    server = await start({
      components: [
        { domain: SMS, secret: 'secret-sms' },
        { domain: MAIL, secret: 'secret-mail' },
      ],
      users: [{ username: 'alice', password: 'pw-alice' }],
    });
    gateway = await startGateway({
      xmppPort: server.componentPort,
      access: { users: [`alice@${server.domain}`] },
      extra: { http: { host: '127.0.0.1', port: httpPort, public_url: PUBLIC } },
      bridges: {
        sms: {
          domain: SMS,
          component_secret: 'secret-sms',
          options: { account_sid: twilio.accountSid, auth_token: twilio.authToken, api_base_url: twilio.url, numbers: { [`alice@${server.domain}`]: ALICE_NUMBER } },
        },
        email: {
          domain: MAIL,
          component_secret: 'secret-mail',
          options: {
            addresses: { pattern: '{local}@mail.example.org', user_domain: server.domain },
            smtp: { host: '127.0.0.1', port: await freePort() },
            relay: { host: '127.0.0.1', port: sink.port, timeout_ms: 2000 },
            attachments: { dir: mkdtempSync(join(tmpdir(), 'sb-modern-')) },
            authentication: { verify: false },
          },
        },
      },
    });
    alice = await connectClient(server, 'alice', 'pw-alice', 'phone');
  }, 120_000);

  afterAll(async () => {
    await alice?.stop();
    await gateway?.stop();
    await server?.stop();
    await Promise.all([twilio?.close(), sink?.dispose()]);
  });

  it('SMS: retractions and reactions are refused with their ids, chat states pass silently, a reply texts only its words', async () => {
    const phone = '+15557002001';
    const to = `${phone}@${SMS}`;
    const ids = { gajimRetract: uid('gr'), convRetract: uid('cr'), convReact: uid('cx'), gajimReact: uid('gx'), typing: uid('ty'), reply: uid('re'), active: uid('ac') };
    await alice.send(clientStanza('conversations-chatstate', { to, id: ids.typing, state: 'composing' }));
    await alice.send(clientStanza('gajim-retraction', { to, id: ids.gajimRetract }));
    await alice.send(clientStanza('conversations-retraction', { to, id: ids.convRetract }));
    await alice.send(clientStanza('conversations-reaction', { to, id: ids.convReact }));
    await alice.send(clientStanza('gajim-reactions', { to, id: ids.gajimReact }));
    await alice.send(clientStanza('conversations-reply', { to, id: ids.reply, text: 'yes, at 8' }));
    await alice.send(clientStanza('gajim-message-active', { to, id: ids.active, text: 'see you' }));
    await refused(ids.gajimRetract, /SMS cannot unsend a text; it was already delivered/);
    await refused(ids.convRetract, /SMS cannot unsend a text/);
    await refused(ids.convReact, /paid text/);
    await refused(ids.gajimReact, /paid text/);
    // One conversation, one order: once the last text is out, everything before it was handled.
    await waitFor(() => bodiesTo(phone).length === 2, 'the two texts');
    expect(bodiesTo(phone)).toEqual(['yes, at 8', 'see you']);
    expect(twilio.requests.some((r) => FALLBACK_WORDS.test(JSON.stringify(r)))).toBe(false);
    expect(alice.received.filter((el) => el.attrs.id === ids.typing || (el.attrs.type === 'error' && [ids.reply, ids.active].includes(el.attrs.id as string)))).toEqual([]);
  });

  it('SMS: a phone’s tapback on the user’s text arrives as a XEP-0444 reaction to its id', async () => {
    const phone = '+15557002002';
    const id = uid('m');
    await alice.send(xml('message', { to: `${phone}@${SMS}`, type: 'chat', id }, xml('body', {}, 'Pizza tonight?')));
    await waitFor(() => bodiesTo(phone).length === 1, 'the text');
    const params = inboundParams({ accountSid: twilio.accountSid, from: phone, to: ALICE_NUMBER, body: 'Loved “Pizza tonight?”' });
    const res = await postSignedWebhook({ postUrl: `http://127.0.0.1:${httpPort}/sms/inbound`, signedUrl: `${PUBLIC}/sms/inbound`, authToken: twilio.authToken, params });
    expect(res.status).toBe(200);
    const reaction = await alice.waitForStanza((el) => el.getChild('reactions', 'urn:xmpp:reactions:0') !== undefined, 'the reaction');
    expect(reaction.attrs.from).toBe(`${phone}@${SMS}`);
    const r = reaction.getChild('reactions', 'urn:xmpp:reactions:0')!;
    expect(r.attrs.id).toBe(id);
    expect(r.getChildren('reaction').map((e) => e.getText())).toEqual(['❤️']);
    expect(reaction.getChild('body')).toBeUndefined();
  });

  it('email: retraction and reaction refused with their ids, the reply mailed without its quote', async () => {
    const contact = `mc${Date.now().toString(36)}${seq}`;
    const to = `${contact}\\40example.com@${MAIL}`;
    const ids = { retract: uid('er'), react: uid('ex'), reply: uid('ey'), typing: uid('et') };
    await alice.send(clientStanza('conversations-chatstate', { to, id: ids.typing, state: 'paused' }));
    await alice.send(clientStanza('gajim-retraction', { to, id: ids.retract }));
    await alice.send(clientStanza('conversations-reaction', { to, id: ids.react }));
    await alice.send(clientStanza('conversations-reply', { to, id: ids.reply, text: 'Thanks, got it.' }));
    await refused(ids.retract, /Email cannot unsend/);
    await refused(ids.react, /Email has no reactions/);
    const mails = await waitFor(async () => {
      const all = (await sink.messages()).filter((m) => m.rcptTo.includes(`${contact}@example.com`));
      return all.length > 0 ? all : undefined;
    }, 'the mail', 15_000);
    expect(mails).toHaveLength(1);
    expect((mails[0]!.parsed.text ?? '').trim()).toBe('Thanks, got it.');
    expect(alice.received.filter((el) => el.attrs.id === ids.typing)).toEqual([]);
  });

  it('disco#info: an SMS contact carries receipts and media, nothing it cannot; an email contact no receipts', async () => {
    const sms = await features(`+15557002003@${SMS}`);
    expect(sms).toEqual(expect.arrayContaining(['urn:xmpp:receipts', 'jabber:x:oob']));
    for (const absent of ['urn:xmpp:reactions:0', 'urn:xmpp:message-retract:1', 'http://jabber.org/protocol/chatstates', 'urn:xmpp:reply:0', 'urn:xmpp:styling:0']) {
      expect(sms).not.toContain(absent);
    }
    const mail = await features(`bob\\40example.com@${MAIL}`);
    expect(mail).not.toContain('urn:xmpp:receipts');
    expect(mail).not.toContain('urn:xmpp:reactions:0');
  });

  it('XEP-0115: a contact’s presence carries caps, and its node answers the same disco#info', async () => {
    const contact = `+15557002004@${SMS}`;
    await alice.send(xml('presence', { to: contact, type: 'subscribe' }));
    const pres = await alice.waitForStanza((el) => el.is('presence') && el.attrs.from === contact && el.attrs.type === undefined, 'the contact’s presence');
    const c = pres.getChild('c', 'http://jabber.org/protocol/caps');
    expect(c?.attrs).toMatchObject({ hash: 'sha-1', node: CAPS_NODE });
    const node = `${CAPS_NODE}#${c?.attrs.ver as string}`;
    const info = await alice.iq(xml('iq', { type: 'get', to: contact }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#info', node })));
    expect(info.attrs.type).toBe('result');
    expect(info.getChild('query')?.attrs.node).toBe(node);
    expect(capsVer(info.getChild('query')!)).toBe(c?.attrs.ver);
  });
});
