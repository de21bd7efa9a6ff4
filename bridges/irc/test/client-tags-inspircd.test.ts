/**
 * Replies, reactions and typing both ways (issue 12) between an XMPP user of the bridge and a
 * native IRC client (irc-framework, which negotiates message-tags) on a real InspIRCd 3 with its
 * IRCv3 modules (Debian; startInspircd({ ircv3: true })). The bridge is driven as the outbox does
 * (helpers.ts). InspIRCd 3 has no draft/message-redaction: a retraction is refused there (REDACT
 * itself: client-tags-redact.test.ts, against the fake server).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { StanzaError } from '../../../src/core/errors.js';
import { startInspircd, type Inspircd } from '../../../test/helpers/irc-inspircd.js';
import type { NativeIrcUser, RecordedEvent } from '../../../test/helpers/irc-native.js';
import { inChannelWithNative } from './channel-with-native.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { privateRefs } from '../conversations.js';
import { expectInbound, find, type BridgeUnderTest, DOMAIN } from './helpers.js';

let inspircd: Inspircd | undefined;
const open: Array<BridgeUnderTest | NativeIrcUser> = [];

beforeAll(async () => {
  inspircd = await startInspircd({ ircv3: true });
});
afterEach(async () => {
  for (const x of open.splice(0).reverse()) await ('quit' in x ? x.quit() : x.close());
});
afterAll(async () => {
  await inspircd?.stop();
});

/** The XMPP user in a channel with a native IRC user. */
function inChannel() {
  return inChannelWithNative(inspircd!.port, open, { prefix: 'm' });
}

/** A native line in the channel, as the XMPP user got it (its stanza-id is InspIRCd's msgid). */
async function nativeSays(j: Awaited<ReturnType<typeof inChannel>>, text: string) {
  j.native.client.say(j.chan, text);
  return expectInbound(j.t, 'message', (e) => e.body === text && e.fromResource === j.native.nick, 'the native line');
}

describe('replies (+draft/reply) on InspIRCd 3', () => {
  it('an XMPP reply carries +draft/reply with the parent msgid; a native reply arrives with replyTo the stanza-id', async () => {
    const j = await inChannel();
    const parent = await nativeSays(j, 'who is there?');
    expect(parent.stanzaId).toBeTruthy();
    await j.bridge.send({ ...j.base, kind: 'message', body: 'me', id: 'r-1', receiptRequested: false, replyTo: { id: parent.stanzaId!, to: `${j.room}@${DOMAIN}/${j.native.nick}` } });
    const got = await j.native.expect('message', (e) => e.message === 'me');
    expect(tag(got, '+draft/reply')).toBe(parent.stanzaId);
    // The reflection of the user's reply carries the reference too (XEP-0461 in the room).
    const refl = await expectInbound(j.t, 'message', (e) => e.body === 'me' && e.fromResource === j.nick, 'the reflection');
    expect(refl.replyTo).toEqual({ id: parent.stanzaId, to: `${j.room}@${DOMAIN}/${j.native.nick}` });
    // The native client answers the user's message by its msgid: the XMPP side gets the stanza-id it knows.
    j.native.client.say(j.chan, 'you, then', { '+draft/reply': tag(got, 'msgid') });
    const answer = await expectInbound(j.t, 'message', (e) => e.body === 'you, then', 'the native reply');
    expect(answer.replyTo).toEqual({ id: refl.stanzaId, to: `${j.room}/${j.nick}` });
    expect(refl.stanzaId).toBe(tag(got, 'msgid'));
    // Both replies keep their reference in the archive (MAM), as they were shown.
    const archived = j.mam(j.user, j.room, { page: {} }).messages.filter((m) => m.replyTo);
    expect(archived.map((m) => [m.body, m.replyTo])).toEqual([
      ['me', { id: parent.stanzaId, to: `${j.room}@${DOMAIN}/${j.native.nick}` }],
      ['you, then', { id: refl.stanzaId, to: `${j.room}/${j.nick}` }],
    ]);
  });

  it('a private reply carries +draft/reply; a native private reply to the user\'s own message names the client\'s id', async () => {
    const j = await inChannel();
    j.native.client.say(j.nick, 'psst');
    const pm = await expectInbound(j.t, 'message', (e) => e.body === 'psst' && e.type === 'chat', 'the PM');
    expect(pm.id).toBe(pm.stanzaId); // the msgid is the message id in a chat
    const to = `${j.native.nick}%test`;
    await j.bridge.send({ kind: 'message', user: j.user, resource: 'r1', to, type: 'chat', body: 'yes?', id: 'pm-1', receiptRequested: false, replyTo: { id: pm.id! } });
    const got = await j.native.expect('message', (e) => e.message === 'yes?');
    expect(tag(got, '+draft/reply')).toBe(pm.id);
    // The msgid of the user's own PM comes back with its echo; the native reply to it names `pm-1`.
    await waitForRef(j, to, 'pm-1');
    j.native.client.say(j.nick, 'that', { '+draft/reply': tag(got, 'msgid') });
    const answer = await expectInbound(j.t, 'message', (e) => e.body === 'that', 'the native reply');
    expect(answer.replyTo).toEqual({ id: 'pm-1' });
  });
});

/** Wait until the echo of the user's own PM `id` taught the session its msgid. */
async function waitForRef(j: Awaited<ReturnType<typeof inChannel>>, to: string, id: string): Promise<void> {
  const s = j.bridge.sessionsOf(j.user)[0]!;
  const conv = privateRefs(j.user, 'test', to.split('%')[0]!);
  await waitFor(() => (s.deps.refs.get(conv, id)?.msgids.length ?? 0) > 0 || undefined, 'the echo of the PM');
}

/** A tag of a line the native client got (it must be there). */
function tag(e: RecordedEvent, name: string): string {
  const v = e.tags?.[name];
  if (v === undefined) throw new Error(`no ${name} tag on ${JSON.stringify(e)}`);
  return v;
}

describe('reactions (+draft/react) on InspIRCd 3', () => {
  it('the XMPP set becomes react/unreact TAGMSGs of what changed, reflected to the user as the whole set', async () => {
    const j = await inChannel();
    const parent = await nativeSays(j, 'lunch at noon');
    await j.bridge.send({ ...j.base, kind: 'reaction', reactsTo: parent.stanzaId!, emojis: ['👍'] });
    const react = await j.native.expect('tagmsg', (e) => e.tags?.['+draft/react'] === '👍');
    expect(tag(react, '+draft/reply')).toBe(parent.stanzaId);
    await j.bridge.send({ ...j.base, kind: 'reaction', reactsTo: parent.stanzaId!, emojis: ['🎉'] });
    await j.native.expect('tagmsg', (e) => e.tags?.['+draft/react'] === '🎉');
    const unreact = await j.native.expect('tagmsg', (e) => e.tags?.['+draft/unreact'] === '👍');
    expect(tag(unreact, '+draft/reply')).toBe(parent.stanzaId);
    const mine = find(j.t, 'reaction', (e) => e.fromResource === j.nick);
    expect(mine.map((e) => [e.reactsTo, e.emojis, e.toResource])).toEqual([
      [parent.stanzaId, ['👍'], 'r1'],
      [parent.stanzaId, ['🎉'], 'r1'],
    ]);
  });

  it('native react and unreact arrive as the sender\'s whole current set on the stanza-id', async () => {
    const j = await inChannel();
    await j.bridge.send({ ...j.base, kind: 'message', body: 'ship it?', id: 'q-1', receiptRequested: false });
    const mine = await expectInbound(j.t, 'message', (e) => e.body === 'ship it?' && e.fromResource === j.nick, 'the reflection');
    const seen = await j.native.expect('message', (e) => e.message === 'ship it?');
    const msgid = tag(seen, 'msgid');
    j.native.client.tagmsg(j.chan, { '+draft/react': '🚀', '+draft/reply': msgid });
    j.native.client.tagmsg(j.chan, { '+draft/react': '👀', '+draft/reply': msgid });
    j.native.client.tagmsg(j.chan, { '+draft/unreact': '🚀', '+draft/reply': msgid });
    await expectInbound(j.t, 'reaction', (e) => e.emojis.length === 1 && e.emojis[0] === '👀', 'the last set');
    const sets = find(j.t, 'reaction', (e) => e.fromResource === j.native.nick);
    expect(sets.map((e) => [e.from, e.reactsTo, e.emojis, e.type])).toEqual([
      [j.room, mine.stanzaId, ['🚀'], 'groupchat'],
      [j.room, mine.stanzaId, ['🚀', '👀'], 'groupchat'],
      [j.room, mine.stanzaId, ['👀'], 'groupchat'],
    ]);
  });
});

describe('typing (+typing) on InspIRCd 3', () => {
  it('chat states become +typing at the spec\'s pace; native typing arrives as chat states in the room and in private', async () => {
    const j = await inChannel();
    for (const state of ['composing', 'composing', 'paused', 'active'] as const) await j.bridge.send({ ...j.base, kind: 'chatstate', state });
    await j.native.expect('tagmsg', (e) => e.tags?.['+typing'] === 'done');
    const typing = j.native.events.filter((e) => e.event === 'tagmsg' && e.tags?.['+typing'] !== undefined).map((e) => e.tags?.['+typing']);
    expect(typing).toEqual(['active', 'paused', 'done']); // the second composing within 3 s is not sent
    j.native.client.tagmsg(j.chan, { '+typing': 'active' });
    j.native.client.tagmsg(j.nick, { '+typing': 'paused' });
    await expectInbound(j.t, 'chatstate', (e) => e.from === j.room && e.fromResource === j.native.nick && e.state === 'composing', 'typing in the room');
    const contact = j.bridge.sessionsOf(j.user)[0]!.contactLocalpart(j.native.nick);
    await expectInbound(j.t, 'chatstate', (e) => e.from === contact && e.type === 'chat' && e.state === 'paused', 'typing in private');
  });

  it('a native user who goes quiet while typing stops typing after 6 s (the spec\'s expiry); a message ends it without one', async () => {
    const j = await inChannel();
    j.native.client.tagmsg(j.chan, { '+typing': 'active' });
    await expectInbound(j.t, 'chatstate', (e) => e.from === j.room && e.fromResource === j.native.nick && e.state === 'composing', 'typing in the room');
    const seen = Date.now();
    await expectInbound(j.t, 'chatstate', (e) => e.from === j.room && e.fromResource === j.native.nick && e.state === 'active', 'typing ended by its expiry', 15_000);
    expect(Date.now() - seen).toBeGreaterThanOrEqual(5_000);
    const session = j.bridge.sessionsOf(j.user)[0]!;
    j.native.client.tagmsg(j.chan, { '+typing': 'active' });
    await expectInbound(j.t, 'chatstate', (e) => e.from === j.room && e.state === 'composing' && session.inbound.tags.typingCount === 1, 'typing again');
    j.native.client.say(j.chan, 'done typing');
    await waitFor(() => session.inbound.tags.typingCount === 0, 'a message clears the expiry timer');
  }, 30_000);
});

describe('retraction without draft/message-redaction (InspIRCd 3)', () => {
  it('is refused with feature-not-implemented: IRC cannot unsend; disco does not offer it', async () => {
    const j = await inChannel();
    const err = await j.bridge.send({ ...j.base, kind: 'retraction', retracts: 'any' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StanzaError);
    expect(err).toMatchObject({ condition: 'feature-not-implemented', message: 'IRC cannot unsend a message; it was already sent.' });
    const features = j.bridge.resolve(j.room).features ?? [];
    expect(features).toEqual(expect.arrayContaining(['urn:xmpp:reply:0', 'urn:xmpp:reactions:0', 'http://jabber.org/protocol/chatstates']));
    expect(features).not.toContain('urn:xmpp:message-retract:1');
  });
});
