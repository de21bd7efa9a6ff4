// No fallback is relayed (issue 9): retractions and replies as real clients send them, through
// Prosody and the built gateway, to IRC (ngircd and a native IRC user in the channel), SMS (the
// local Twilio API) and email (the aiosmtpd relay sink). Stanza shapes:
// - Retraction, XEP-0424 1.x, as Gajim sends it (python-nbxmpp `modules/retraction.py` reads
//   `<retract xmlns='urn:xmpp:message-retract:1' id=…>`; its test and XEP-0424 0.4 §3 add
//   `<fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:message-retract:1'/>`, the body "This
//   person attempted to retract a previous message, but it's unsupported by your client." and
//   `<store xmlns='urn:xmpp:hints'/>`).
// - Retraction, XEP-0424 0.3 (older clients; Dino still parses it): `<apply-to
//   xmlns='urn:xmpp:fasten:0'><retract xmlns='urn:xmpp:message-retract:0'/></apply-to>` and a
//   bare `<fallback/>`.
// - Reply, XEP-0461, as the Conversations family sends it (a Conversations fork's
//   `entities/Message.java` `updateReplyTo`, cheogram style; the code search did not name the
//   repository): body "> quoted\n" + text, `<reply to=… id=…/>` and `<fallback
//   for='urn:xmpp:reply:0'><body start='0' end='<code points of the quote>'/></fallback>`.
import { xml } from '@xmpp/client';
import type { Element } from 'ltx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCondition, errorText } from '../helpers/stanza-assert.js';
import { waitFor } from '../helpers/wait.js';
import { DOMAINS, startAllBridges, type AllBridges } from './all-bridges-stack.js';

const RETRACT_BODY = "This person attempted to retract a previous message, but it's unsupported by your client.";
const ROOM = `#fallbacks%test@${DOMAINS.irc}`;

let seq = 0;
const uid = (p: string) => `${p}-${Date.now().toString(36)}-${(seq += 1)}`;

function gajimRetraction(to: string, type: string, id: string): Element {
  return xml(
    'message',
    { to, type, id },
    xml('retract', { xmlns: 'urn:xmpp:message-retract:1', id: 'origin-of-earlier' }),
    xml('fallback', { xmlns: 'urn:xmpp:fallback:0', for: 'urn:xmpp:message-retract:1' }),
    xml('body', {}, RETRACT_BODY),
    xml('store', { xmlns: 'urn:xmpp:hints' }),
    xml('origin-id', { xmlns: 'urn:xmpp:sid:0', id }),
  );
}

function fastenedRetraction(to: string, type: string, id: string): Element {
  return xml(
    'message',
    { to, type, id },
    xml('apply-to', { xmlns: 'urn:xmpp:fasten:0', id: 'origin-of-earlier' }, xml('retract', { xmlns: 'urn:xmpp:message-retract:0' })),
    xml('fallback', { xmlns: 'urn:xmpp:fallback:0' }),
    xml('body', {}, RETRACT_BODY),
    xml('store', { xmlns: 'urn:xmpp:hints' }),
  );
}

function conversationsReply(to: string, type: string, id: string, quote: string, text: string): Element {
  return xml(
    'message',
    { to, type, id },
    xml('body', {}, quote + text),
    xml('reply', { xmlns: 'urn:xmpp:reply:0', to: `${to}/someone`, id: 'stanza-id-of-earlier' }),
    xml('fallback', { xmlns: 'urn:xmpp:fallback:0', for: 'urn:xmpp:reply:0' }, xml('body', { start: '0', end: String(Array.from(quote).length) })),
    xml('markable', { xmlns: 'urn:xmpp:chat-markers:0' }),
  );
}

describe('fallbacks through Prosody to every bridge', () => {
  let s: AllBridges;

  // Each network says what happened in its own words (the bridge decides since issue 12).
  const refused = async (id: string, text: RegExp, type = 'cancel') => {
    const err = await s.alice.waitForStanza((el) => el.is('message') && el.attrs.type === 'error' && el.attrs.id === id, `the error for ${id}`);
    expect(errorCondition(err)).toBe('feature-not-implemented');
    expect(err.getChild('error')?.attrs.type).toBe(type);
    expect(errorText(err)).toMatch(text);
    return err;
  };

  beforeAll(async () => {
    s = await startAllBridges('FbNative');
    s.native.client.join('#fallbacks');
    await s.native.expect('join');
    await s.alice.send(xml('presence', { to: `${ROOM}/Alice` }, xml('x', { xmlns: 'http://jabber.org/protocol/muc' })));
    await s.alice.waitForStanza((el) => el.is('presence') && el.attrs.from === `${ROOM}/Alice`, 'self-presence in the room');
  });

  afterAll(async () => {
    await s?.stop();
  });

  it('IRC: a retraction (both forms) reaches nobody in the channel and is refused with its id', async () => {
    const a = uid('gajim-retract');
    const b = uid('old-retract');
    await s.alice.send(gajimRetraction(ROOM, 'groupchat', a));
    await s.alice.send(fastenedRetraction(ROOM, 'groupchat', b));
    // ngircd has no draft/message-redaction: the IRC bridge refuses (with it, REDACT: bridges/irc/test/client-tags-redact.test.ts).
    const errA = await refused(a, /^IRC cannot unsend a message; it was already sent\.$/);
    expect(errA.attrs.from).toBe(ROOM);
    await refused(b, /^IRC cannot unsend a message; it was already sent\.$/);
    // A later message gets through, so the channel has seen everything sent before it.
    const marker = uid('after');
    await s.alice.send(xml('message', { to: ROOM, type: 'groupchat', id: marker }, xml('body', {}, marker)));
    await s.native.expect('message', (e) => e.message === marker);
    expect(s.native.events.filter((e) => e.event === 'message' && String(e.message).includes('retract'))).toEqual([]);
  });

  it('IRC: a reply reaches the channel as its own line only, without the quote', async () => {
    const id = uid('reply');
    // ngircd has no message-tags: the reply is its text, prefixed with the parent's author in a
    // room (reply_nick_prefix: rooms, the default; bridges/irc/README.md).
    const text = `someone: answer ${id}`;
    await s.alice.send(conversationsReply(ROOM, 'groupchat', id, '> FbNative: 🎉 is it on?\n', `answer ${id}`));
    await s.native.expect('message', (e) => e.message === text);
    const marker = uid('after-reply');
    await s.alice.send(xml('message', { to: ROOM, type: 'groupchat', id: marker }, xml('body', {}, marker)));
    await s.native.expect('message', (e) => e.message === marker);
    expect(s.native.events.filter((e) => e.event === 'message' && String(e.message).includes('is it on'))).toEqual([]);
    // The reflection carries the text that went out.
    const refl = await s.alice.waitForStanza((el) => el.is('message') && el.attrs.id === id && el.attrs.type === 'groupchat', 'reflection');
    expect(refl.getChildText('body')).toBe(text);
  });

  it('SMS: a retraction makes no Twilio API call and is refused; a reply sends only its text', async () => {
    const to = '+15557009001';
    const id = uid('sms-retract');
    await s.alice.send(gajimRetraction(`${to}@${DOMAINS.sms}`, 'chat', id));
    await refused(id, /SMS cannot unsend a text; it was already delivered/);
    const replyId = uid('sms-reply');
    await s.alice.send(conversationsReply(`${to}@${DOMAINS.sms}`, 'chat', replyId, '> +15557009001: dinner?\n', 'yes, at 8'));
    const req = await waitFor(() => s.twilio.created().find((r) => r.form.To?.[0] === to), 'the SMS for the reply');
    // Messages to one number go out in order: the reply is the first and only one.
    expect(s.twilio.created().filter((r) => r.form.To?.[0] === to).map((r) => r.form.Body?.[0])).toEqual(['yes, at 8']);
    expect(req.form.Body).toEqual(['yes, at 8']);
    expect(s.twilio.requests.some((r) => JSON.stringify(r).includes('attempted to retract'))).toBe(false);
  });

  it('email: a retraction sends no mail and is refused; a reply mails only its text', async () => {
    const contact = `fb${Date.now().toString(36)}`;
    const jid = `${contact}\\40example.com@${DOMAINS.email}`;
    const id = uid('mail-retract');
    await s.alice.send(fastenedRetraction(jid, 'chat', id));
    await refused(id, /Email cannot unsend/);
    const replyId = uid('mail-reply');
    await s.alice.send(conversationsReply(jid, 'chat', replyId, '> contact: see attached\n', 'Thanks, got it.'));
    const mail = await waitFor(async () => (await s.sink.messages()).find((m) => m.rcptTo.includes(`${contact}@example.com`)), 'the mail for the reply', 15_000);
    expect(mail.parsed.text ?? '').toContain('Thanks, got it.');
    expect(mail.parsed.text ?? '').not.toContain('see attached');
    const all = (await s.sink.messages()).filter((m) => m.rcptTo.includes(`${contact}@example.com`));
    expect(all).toHaveLength(1);
    expect(all.some((m) => (m.parsed.text ?? '').includes('attempted to retract'))).toBe(false);
  });
});
