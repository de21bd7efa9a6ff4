// Modern clients on IRC end to end (issue 12): stanzas exactly as Conversations sends them
// (test/fixtures/xmpp/, test/helpers/client-stanzas.ts) from a real XMPP client on Prosody, through
// the built gateway, to a real InspIRCd 3 with its IRCv3 modules and a native IRC client that
// negotiates message-tags; and the native client's replies, reactions and typing back. Nothing of a
// XEP-0428 fallback reaches IRC; a retraction (no draft/message-redaction in InspIRCd 3) is refused
// with the original id.
import { xml } from '@xmpp/client';
import type { Element } from 'ltx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientStanza } from '../../../test/helpers/client-stanzas.js';
import type { NativeIrcUser, RecordedEvent } from '../../../test/helpers/irc-native.js';
import { errorCondition, errorText } from '../../../test/helpers/stanza-assert.js';
import type { TestClient } from '../../../test/helpers/xmpp-client.js';
import { startIrcStack, type IrcStack } from './e2e-stack.js';

const DOMAIN = 'irc.localhost';
const ROOM = `#modern%test@${DOMAIN}`;
const NS_SID = 'urn:xmpp:sid:0';
/** Words of the fixtures' fallback bodies: none may reach IRC. */
const FALLBACK_WORDS = /attempted to retract|^>|Bob:|dinner at 8\?|is it on\?/m;

let seq = 0;
const uid = (p: string) => `${p}-${Date.now().toString(36)}-${(seq += 1)}`;
const stanzaId = (el: Element) => el.getChild('stanza-id', NS_SID)?.attrs.id as string | undefined;

describe('modern clients on IRCv3 (Prosody, built gateway, InspIRCd 3)', () => {
  let stack: IrcStack;
  let alice: TestClient;
  let native: NativeIrcUser;
  const fromAlice = () => native.events.filter((e) => (e.event === 'message' || e.event === 'tagmsg') && e.nick === 'Alice');
  const tags = (e: RecordedEvent) => e.tags ?? {};

  beforeAll(async () => {
    stack = await startIrcStack({ domain: DOMAIN, secret: 'irc-secret', nativeNick: 'NativeM', ircd: 'inspircd-ircv3' });
    ({ alice, native } = stack);
    native.client.join('#modern');
    await native.expect('join');
    await alice.send(xml('presence', { to: `${ROOM}/Alice` }, xml('x', { xmlns: 'http://jabber.org/protocol/muc' })));
    await alice.waitForStanza((s) => s.is('message') && s.getChild('subject') !== undefined, 'the subject');
    await native.expect('join', (e) => e.nick === 'Alice');
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('a Conversations reply and reaction reach IRC as +draft/reply and +draft/react TAGMSGs, no fallback text', async () => {
    native.client.say('#modern', 'lunch at noon');
    const parent = await alice.waitForStanza((s) => s.is('message') && s.getChildText('body') === 'lunch at noon', 'the native line');
    const parentId = stanzaId(parent)!;
    await alice.send(clientStanza('conversations-reply', { to: ROOM, type: 'groupchat', id: uid('reply'), target: parentId, text: 'count me in' }));
    const reply = await native.expect('message', (e) => e.nick === 'Alice' && e.message === 'count me in');
    expect(tags(reply)['+draft/reply']).toBe(parentId);
    await alice.send(clientStanza('conversations-reaction', { to: ROOM, type: 'groupchat', id: uid('react'), target: parentId }));
    await native.expect('tagmsg', (e) => tags(e)['+draft/react'] === '❤️');
    const reacts = fromAlice().filter((e) => e.event === 'tagmsg').map((e) => [tags(e)['+draft/react'], tags(e)['+draft/reply']]);
    expect(reacts).toEqual([
      ['👍', parentId],
      ['❤️', parentId],
    ]);
    // The room reflects the reaction set to the user (XEP-0444 in a MUC).
    const refl = await alice.waitForStanza((s) => s.is('message') && s.attrs.from === `${ROOM}/Alice` && s.getChild('reactions', 'urn:xmpp:reactions:0') !== undefined, 'the reflected reactions');
    expect(refl.getChild('reactions', 'urn:xmpp:reactions:0')!.getChildren('reaction').map((r) => r.text())).toEqual(['👍', '❤️']);
    expect(fromAlice().filter((e) => e.event === 'message' && FALLBACK_WORDS.test(e.message ?? ''))).toEqual([]);
  });

  it('a chat state becomes +typing; a retraction is refused with the original id: IRC cannot unsend', async () => {
    await alice.send(clientStanza('conversations-chatstate', { to: ROOM, type: 'groupchat', id: uid('cs'), state: 'composing' }));
    await native.expect('tagmsg', (e) => e.nick === 'Alice' && tags(e)['+typing'] === 'active');
    await alice.send(xml('message', { to: ROOM, type: 'groupchat', id: uid('m') }, xml('body', {}, 'oops, wrong window')));
    const mine = await alice.waitForStanza((s) => s.is('message') && s.getChildText('body') === 'oops, wrong window', 'the reflection');
    const id = uid('retract');
    await alice.send(clientStanza('conversations-retraction', { to: ROOM, type: 'groupchat', id, target: stanzaId(mine)! }));
    const err = await alice.waitForStanza((s) => s.is('message') && s.attrs.type === 'error' && s.attrs.id === id, 'the refusal');
    expect(errorCondition(err)).toBe('feature-not-implemented');
    expect(errorText(err)).toBe('IRC cannot unsend a message; it was already sent.');
    expect(fromAlice().filter((e) => e.event === 'message' && FALLBACK_WORDS.test(e.message ?? ''))).toEqual([]);
  });

  it('native reactions, replies and typing reach the XMPP client as XEP-0444, XEP-0461 and XEP-0085', async () => {
    await alice.send(xml('message', { to: ROOM, type: 'groupchat', id: uid('m') }, xml('body', {}, 'ship it?')));
    const mine = await alice.waitForStanza((s) => s.is('message') && s.getChildText('body') === 'ship it?', 'the reflection');
    const seen = await native.expect('message', (e) => e.message === 'ship it?');
    const msgid = tags(seen).msgid!;
    expect(stanzaId(mine)).toBe(msgid);
    native.client.tagmsg('#modern', { '+draft/react': '🚀', '+draft/reply': msgid });
    const reaction = await alice.waitForStanza((s) => s.is('message') && s.attrs.from === `${ROOM}/NativeM` && s.getChild('reactions', 'urn:xmpp:reactions:0') !== undefined, 'the reaction');
    const r = reaction.getChild('reactions', 'urn:xmpp:reactions:0')!;
    expect([r.attrs.id, r.getChildren('reaction').map((x) => x.text())]).toEqual([stanzaId(mine), ['🚀']]);
    native.client.say('#modern', 'ship it!', { '+draft/reply': msgid });
    const answer = await alice.waitForStanza((s) => s.is('message') && s.getChildText('body') === 'ship it!', 'the native reply');
    expect(answer.getChild('reply', 'urn:xmpp:reply:0')?.attrs).toMatchObject({ id: stanzaId(mine), to: `${ROOM}/Alice` });
    native.client.tagmsg('#modern', { '+typing': 'active' });
    await alice.waitForStanza((s) => s.is('message') && s.attrs.from === `${ROOM}/NativeM` && s.getChild('composing', 'http://jabber.org/protocol/chatstates') !== undefined, 'typing');
  });

  it('disco#info of the room says what this server carries', async () => {
    const info = await alice.iq(xml('iq', { type: 'get', to: ROOM }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' })));
    const features = info.getChild('query')!.getChildren('feature').map((f) => f.attrs.var as string);
    expect(features).toEqual(expect.arrayContaining(['urn:xmpp:reply:0', 'urn:xmpp:reactions:0', 'http://jabber.org/protocol/chatstates', 'urn:xmpp:styling:0']));
    expect(features).not.toContain('urn:xmpp:message-retract:1');
  });
});
