/**
 * The fallbacks of issue 12 on a server without IRCv3 message-tags (a real ngircd): a reply is its
 * text (prefixed `nick: ` in rooms by default), a reaction a `/me reacted … to "…"` line or an
 * error (`reaction_fallback`), a retraction an error (IRC cannot unsend), chat states nothing; and
 * nothing of the IRCv3 kinds reaches the server as a command it does not know.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { StanzaError } from '../../../src/core/errors.js';
import type { NativeIrcUser } from '../../../test/helpers/irc-native.js';
import { inChannelWithNative } from './channel-with-native.js';
import { expectInbound, find, startBridge, unique, useNgircd, type BridgeUnderTest, DOMAIN } from './helpers.js';

const ircd = useNgircd();
const open: Array<BridgeUnderTest | NativeIrcUser> = [];

afterEach(async () => {
  for (const x of open.splice(0).reverse()) await ('quit' in x ? x.quit() : x.close());
});

function inChannel(options: Record<string, unknown> = {}) {
  return inChannelWithNative(ircd().port, open, { prefix: 'f', options });
}

async function nativeSays(j: Awaited<ReturnType<typeof inChannel>>, text: string) {
  j.native.client.say(j.chan, text);
  return expectInbound(j.t, 'message', (e) => e.body === text && e.fromResource === j.native.nick, 'the native line');
}

/** What the native client saw from the XMPP user, in order. */
function seenFrom(j: Awaited<ReturnType<typeof inChannel>>): string[] {
  return j.native.events.filter((e) => (e.event === 'message' || e.event === 'tagmsg') && e.nick === j.nick).map((e) => `${e.event}:${e.type ?? ''}:${e.message ?? ''}`);
}

describe('fallbacks without message-tags (ngircd)', () => {
  it('a reply in a room is its text prefixed with the parent author\'s nick; in private, the text alone', async () => {
    const j = await inChannel();
    const parent = await nativeSays(j, 'anyone for tea?');
    await j.bridge.send({ ...j.base, kind: 'message', body: 'me!', id: 'r1', receiptRequested: false, replyTo: { id: parent.stanzaId!, to: `${j.room}@${DOMAIN}/${j.native.nick}` } });
    await j.native.expect('message', (e) => e.message === `${j.native.nick}: me!`);
    const pm = `${j.native.nick}%test`;
    await j.bridge.send({ kind: 'message', user: j.user, resource: 'r1', to: pm, type: 'chat', body: 'and you?', id: 'p1', receiptRequested: false, replyTo: { id: 'x' } });
    await j.native.expect('message', (e) => e.message === 'and you?' && e.target === j.native.nick);
    expect(seenFrom(j)).toEqual([`message:privmsg:${j.native.nick}: me!`, 'message:privmsg:and you?']);
  });

  it('reply_nick_prefix never: the text alone', async () => {
    const j = await inChannel({ reply_nick_prefix: 'never' });
    const parent = await nativeSays(j, 'tea?');
    await j.bridge.send({ ...j.base, kind: 'message', body: 'yes', id: 'r1', receiptRequested: false, replyTo: { id: parent.stanzaId!, to: `${j.room}@${DOMAIN}/${j.native.nick}` } });
    await j.native.expect('message', (e) => e.message === 'yes');
  });

  it('a reaction is a /me line quoting the first words; removing it says so; the user sees it as the room does', async () => {
    const j = await inChannel();
    const parent = await nativeSays(j, 'the build is green again after two days of work');
    await j.bridge.send({ ...j.base, kind: 'reaction', reactsTo: parent.stanzaId!, emojis: ['🎉'] });
    await j.native.expect('message', (e) => e.type === 'action' && e.message === 'reacted 🎉 to "the build is green again…"');
    await j.bridge.send({ ...j.base, kind: 'reaction', reactsTo: parent.stanzaId!, emojis: [] });
    await j.native.expect('message', (e) => e.type === 'action' && e.message === 'took back 🎉 from "the build is green again…"');
    await expectInbound(j.t, 'message', (e) => e.fromResource === j.nick && e.body === '/me reacted 🎉 to "the build is green again…"', 'the reflected line');
    expect(seenFrom(j)).toHaveLength(2);
  });

  it('reaction_fallback error: feature-not-implemented, nothing sent', async () => {
    const j = await inChannel({ reaction_fallback: 'error' });
    const parent = await nativeSays(j, 'vote?');
    const err = await j.bridge.send({ ...j.base, kind: 'reaction', reactsTo: parent.stanzaId!, emojis: ['👍'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StanzaError);
    expect(err).toMatchObject({ condition: 'feature-not-implemented' });
    expect(j.bridge.resolve(j.room).features).not.toContain('urn:xmpp:reactions:0');
  });

  it('a retraction is refused (IRC cannot unsend); chat states send nothing; disco offers neither', async () => {
    const j = await inChannel();
    for (const state of ['composing', 'paused', 'active'] as const) await j.bridge.send({ ...j.base, kind: 'chatstate', state });
    await j.bridge.send({ kind: 'chatstate', user: j.user, resource: 'r1', to: `${j.native.nick}%test`, type: 'chat', state: 'composing' });
    const err = await j.bridge.send({ ...j.base, kind: 'retraction', retracts: 'some-id' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ condition: 'feature-not-implemented', message: 'IRC cannot unsend a message; it was already sent.' });
    // A line after them arrives first: nothing was sent before it (no TAGMSG, no REDACT).
    await j.bridge.send({ ...j.base, kind: 'message', body: 'after', id: 'a1', receiptRequested: false });
    await j.native.expect('message', (e) => e.message === 'after');
    expect(seenFrom(j)).toEqual(['message:privmsg:after']);
    expect(find(j.t, 'message', (e) => /TAGMSG|REDACT|Unknown command/i.test(e.body))).toEqual([]);
    const features = j.bridge.resolve(j.room).features ?? [];
    expect(features).toEqual(expect.arrayContaining(['urn:xmpp:reply:0', 'urn:xmpp:reactions:0']));
    expect(features).not.toContain('http://jabber.org/protocol/chatstates');
    expect(features).not.toContain('urn:xmpp:message-retract:1');
  });

  it('a chat state to a network the user is not connected to opens no connection', async () => {
    const id = unique();
    const b = await startBridge(ircd().port);
    open.push(b);
    const user = `c${id}@example.org`;
    await b.bridge.send({ kind: 'chatstate', user, resource: 'r1', to: `nobody${id}%test`, type: 'chat', state: 'composing' });
    expect(b.bridge.sessionsOf(user)).toEqual([]);
  });
});
