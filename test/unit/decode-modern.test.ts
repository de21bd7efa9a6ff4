// What modern clients send besides a body, decoded once for every bridge (issue 12): the stanzas are
// the fixtures under test/fixtures/xmpp/, element order and namespaces as Conversations and Gajim
// send them (each fixture cites its source).
import fc from 'fast-check';
import { Element, parse } from 'ltx';
import { describe, expect, it } from 'vitest';
import { StanzaError } from '../../src/core/errors.js';
import { decodeMessage } from '../../src/xmpp/stanza.js';
import { MAX_REACTIONS } from '../../src/xmpp/message-refs.js';
import { clientStanza } from '../helpers/client-stanzas.js';

const ROOM = '#chan%net';
const route = { user: 'alice@example.org', resource: 'phone', to: ROOM };
const to = `${ROOM}@irc.example.org`;

function thrown(fn: () => unknown): StanzaError {
  try {
    fn();
  } catch (err) {
    if (err instanceof StanzaError) return err;
    throw err;
  }
  throw new Error('expected a StanzaError');
}

describe('decoding the stanzas of real clients', () => {
  const table = [
    {
      name: 'Conversations reply in a room: replyTo, the quote gone',
      el: clientStanza('conversations-reply', { to, id: 'r1', type: 'groupchat', target: 'sid-7', text: 'yes, at 8' }),
      expected: { kind: 'message', type: 'groupchat', body: 'yes, at 8', id: 'r1', originId: 'r1', replyTo: { id: 'sid-7', to: `${to}/Bob` } },
    },
    {
      name: 'Conversations reaction: the whole set, nothing of its fallback body',
      el: clientStanza('conversations-reaction', { to, id: 'x1', type: 'groupchat', target: 'sid-8' }),
      expected: { kind: 'reaction', type: 'groupchat', reactsTo: 'sid-8', emojis: ['👍', '❤️'], id: 'x1' },
    },
    {
      name: 'Conversations retraction (XEP-0424 0.x fastening)',
      el: clientStanza('conversations-retraction', { to, id: 'd1', type: 'chat', target: 'm-old' }),
      expected: { kind: 'retraction', type: 'chat', retracts: 'm-old', id: 'd1', originId: 'd1' },
    },
    {
      name: 'Gajim retraction (XEP-0424 1.x)',
      el: clientStanza('gajim-retraction', { to, id: 'd2', type: 'groupchat', target: 'sid-9' }),
      expected: { kind: 'retraction', type: 'groupchat', retracts: 'sid-9', id: 'd2' },
    },
    {
      name: 'Gajim reactions: trimmed emojis, no body',
      el: clientStanza('gajim-reactions', { to, id: 'x2', type: 'chat', target: 'm-9' }),
      expected: { kind: 'reaction', type: 'chat', reactsTo: 'm-9', emojis: ['👋', '🐢'] },
    },
    {
      name: 'Conversations standalone chat state in a room',
      el: clientStanza('conversations-chatstate', { to, id: 'c1', type: 'groupchat', state: 'composing' }),
      expected: { kind: 'chatstate', type: 'groupchat', state: 'composing' },
    },
    {
      name: 'a chat state with a body: the message only (the state is implied)',
      el: clientStanza('gajim-message-active', { to, id: 'g1', type: 'chat', text: 'hello' }),
      expected: { kind: 'message', type: 'chat', body: 'hello', receiptRequested: true },
    },
  ];
  it.each(table)('$name', ({ el, expected }) => {
    const event = decodeMessage(el, route);
    expect(event).toMatchObject({ user: 'alice@example.org', resource: 'phone', to: ROOM, ...expected });
    // No fallback text survives into any event.
    expect(JSON.stringify(event)).not.toMatch(/attempted to retract|&gt;|> Bob|dinner/);
  });

  it.each(['active', 'composing', 'paused', 'inactive', 'gone'])('reads the chat state %s', (state) => {
    expect(decodeMessage(clientStanza('conversations-chatstate', { to, id: 'c', state }), route)).toMatchObject({ kind: 'chatstate', type: 'chat', state });
  });

  it('reads an untyped chat state (older Conversations sends none) as chat', () => {
    const el = parse(`<message to='${to}'><paused xmlns='http://jabber.org/protocol/chatstates'/></message>`);
    expect(decodeMessage(el, route)).toMatchObject({ kind: 'chatstate', type: 'chat', state: 'paused' });
  });

  it('ignores an unknown element in the chat states namespace, and markers alone', () => {
    expect(decodeMessage(parse(`<message type='chat'><typing xmlns='http://jabber.org/protocol/chatstates'/></message>`), route)).toBeUndefined();
    expect(decodeMessage(parse(`<message type='chat'><displayed xmlns='urn:xmpp:chat-markers:0' id='x'/></message>`), route)).toBeUndefined();
  });

  it('keeps a reply without a target as a plain message (quote still removed)', () => {
    const el = parse(
      `<message type='chat'><body>&gt; q\nok</body><reply xmlns='urn:xmpp:reply:0'/><fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:reply:0'><body start='0' end='4'/></fallback></message>`,
    );
    const event = decodeMessage(el, route);
    expect(event).toMatchObject({ kind: 'message', body: 'ok' });
    expect(event).not.toHaveProperty('replyTo');
  });

  it('carries the reply reference on a correction-free reply that has no fallback at all', () => {
    const el = parse(`<message type='chat'><body>ok</body><reply xmlns='urn:xmpp:reply:0' id='p1'/></message>`);
    expect(decodeMessage(el, route)).toMatchObject({ kind: 'message', body: 'ok', replyTo: { id: 'p1' } });
  });

  it('refuses a retraction or reactions that name no message with bad-request', () => {
    const retract = parse(`<message type='chat'><retract xmlns='urn:xmpp:message-retract:1'/><body>x</body></message>`);
    expect(thrown(() => decodeMessage(retract, route)).condition).toBe('bad-request');
    const fastened = parse(`<message type='chat'><apply-to xmlns='urn:xmpp:fasten:0' id=' '><retract xmlns='urn:xmpp:message-retract:0'/></apply-to></message>`);
    expect(thrown(() => decodeMessage(fastened, route)).condition).toBe('bad-request');
    const reactions = parse(`<message type='chat'><reactions xmlns='urn:xmpp:reactions:0'><reaction>👍</reaction></reactions></message>`);
    expect(thrown(() => decodeMessage(reactions, route)).message).toMatch(/name the message/);
  });

  it('reads an empty reactions element as every reaction removed', () => {
    const el = parse(`<message type='chat'><reactions xmlns='urn:xmpp:reactions:0' id='m1'/></message>`);
    expect(decodeMessage(el, route)).toMatchObject({ kind: 'reaction', reactsTo: 'm1', emojis: [] });
  });

  it('bounds a hostile reactions element: duplicates, empty and oversized entries dropped, at most MAX_REACTIONS', () => {
    const many = Array.from({ length: 500 }, (_, i) => `<reaction>${String.fromCodePoint(0x1f600 + (i % 80))}</reaction>`).join('');
    const junk = `<reaction></reaction><reaction>${'a'.repeat(1000)}</reaction>`;
    const el = parse(`<message type='chat'><reactions xmlns='urn:xmpp:reactions:0' id='m1'>${junk}${many}</reactions></message>`);
    const event = decodeMessage(el, route);
    if (event?.kind !== 'reaction') throw new Error('expected a reaction');
    expect(event.emojis).toHaveLength(MAX_REACTIONS);
    expect(new Set(event.emojis).size).toBe(MAX_REACTIONS);
  });

  it('still refuses a message that is only a fallback for something the gateway does not handle', () => {
    const el = parse(`<message type='chat' id='p'><body>Poll: lunch?</body><fallback xmlns='urn:xmpp:fallback:0' for='urn:example:polls:0'/></message>`);
    expect(thrown(() => decodeMessage(el, route))).toMatchObject({ condition: 'feature-not-implemented', type: 'cancel' });
  });
});

describe('property: any mix of modern payloads', () => {
  const text = fc.string({ unit: 'grapheme', maxLength: 12 });
  const payload = fc.constantFrom('retract1', 'fastened', 'reactions', 'reply', 'chatstate', 'fallbackAll', 'fallbackReply', 'body');
  const build = (kinds: string[], id: string, emoji: string, body: string): Element => {
    const el = new Element('message', { type: 'chat', id: 'p' });
    for (const k of kinds) {
      if (k === 'retract1') el.c('retract', { xmlns: 'urn:xmpp:message-retract:1', id });
      if (k === 'fastened') el.c('apply-to', { xmlns: 'urn:xmpp:fasten:0', id }).c('retract', { xmlns: 'urn:xmpp:message-retract:0' });
      if (k === 'reactions') el.c('reactions', { xmlns: 'urn:xmpp:reactions:0', id }).c('reaction').t(emoji);
      if (k === 'reply') el.c('reply', { xmlns: 'urn:xmpp:reply:0', id });
      if (k === 'chatstate') el.c('composing', { xmlns: 'http://jabber.org/protocol/chatstates' });
      if (k === 'fallbackAll') el.c('fallback', { xmlns: 'urn:xmpp:fallback:0', for: 'urn:xmpp:reactions:0' });
      if (k === 'fallbackReply') el.c('fallback', { xmlns: 'urn:xmpp:fallback:0', for: 'urn:xmpp:reply:0' }).c('body', { start: '0', end: '3' });
      if (k === 'body' && !el.getChild('body')) el.c('body').t(`FB${body}`);
    }
    return el;
  };

  it('decodes to one event or a StanzaError, and a retraction or reaction never carries the body', () => {
    fc.assert(
      fc.property(fc.array(payload, { maxLength: 5 }), text, text, text, (kinds, id, emoji, body) => {
        let event;
        try {
          event = decodeMessage(build(kinds, id, emoji, body), route);
        } catch (err) {
          expect(err).toBeInstanceOf(StanzaError);
          return;
        }
        if (event?.kind === 'retraction' || event?.kind === 'reaction') expect(JSON.stringify(event)).not.toContain('FB');
        if (event?.kind === 'reaction') expect(event.emojis.every((e) => e.trim() !== '' && e === e.trim())).toBe(true);
      }),
    );
  });
});
