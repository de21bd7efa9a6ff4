import { equal, parse, type Element } from 'ltx';
import { describe, expect, it } from 'vitest';
import { decodeMessage, decodeRoomPresence, encodeInbound } from '../../src/xmpp/stanza.js';

const route = { user: 'alice@example.org', resource: 'phone', to: '+15551234567' };

/** Compare as trees (design.md §9), ignoring generated ids where the test says so. */
function expectTree(actual: Element, xml: string, ignoreId = false) {
  if (ignoreId) delete actual.attrs.id;
  const expected = parse(xml);
  expect(equal(actual, expected), `${actual.toString()}\n!=\n${expected.toString()}`).toBe(true);
}

describe('decoding stanzas from users', () => {
  it('turns a chat message into an outbound message event', () => {
    const el = parse(
      `<message type='chat' id='m1'><body>hi</body><thread>t1</thread><request xmlns='urn:xmpp:receipts'/><origin-id xmlns='urn:xmpp:sid:0' id='o1'/></message>`,
    );
    expect(decodeMessage(el, route)).toEqual({
      kind: 'message',
      type: 'chat',
      user: 'alice@example.org',
      resource: 'phone',
      to: '+15551234567',
      id: 'm1',
      originId: 'o1',
      body: 'hi',
      thread: 't1',
      receiptRequested: true,
    });
  });

  it('reads a standalone chat state as its own event, and ignores markers (no body)', () => {
    expect(decodeMessage(parse(`<message type='chat'><composing xmlns='http://jabber.org/protocol/chatstates'/></message>`), route)).toMatchObject({ kind: 'chatstate', state: 'composing' });
    expect(decodeMessage(parse(`<message type='chat'><received xmlns='urn:xmpp:chat-markers:0' id='a'/></message>`), route)).toBeUndefined();
  });

  it('reads XEP-0066 links, a correction, a groupchat subject and a mediated invite', () => {
    const oob = decodeMessage(parse(`<message><x xmlns='jabber:x:oob'><url>https://x/a.png</url></x></message>`), route);
    expect(oob).toMatchObject({ kind: 'message', type: 'chat', body: 'https://x/a.png', oob: [{ url: 'https://x/a.png' }] });
    const correction = decodeMessage(parse(`<message type='chat'><body>fixed</body><replace xmlns='urn:xmpp:message-correct:0' id='m1'/></message>`), route);
    expect(correction).toMatchObject({ kind: 'correction', replaces: 'm1', body: 'fixed' });
    const subject = decodeMessage(parse(`<message type='groupchat'><subject>Topic</subject></message>`), { ...route, to: '#c%net' });
    expect(subject).toMatchObject({ kind: 'subject', subject: 'Topic' });
    const invite = decodeMessage(
      parse(`<message><x xmlns='http://jabber.org/protocol/muc#user'><invite to='bob'><reason>come</reason></invite></x></message>`),
      { ...route, to: '#c%net' },
    );
    expect(invite).toMatchObject({ kind: 'invite', invitee: 'bob', reason: 'come' });
  });

  it('reads MUC joins with password and history, leaves and nick changes', () => {
    const r = { ...route, to: '#c%net', toResource: 'Nick' };
    const join = decodeRoomPresence(
      parse(`<presence id='j'><x xmlns='http://jabber.org/protocol/muc'><password>k</password><history maxstanzas='3' since='2020-01-01T00:00:00Z'/></x></presence>`),
      r,
    );
    expect(join).toMatchObject({ kind: 'join', nick: 'Nick', password: 'k', history: { maxstanzas: 3, since: '2020-01-01T00:00:00.000Z' } });
    expect(decodeRoomPresence(parse(`<presence type='unavailable'><status>bye</status></presence>`), r)).toMatchObject({ kind: 'leave', status: 'bye' });
    expect(decodeRoomPresence(parse(`<presence/>`), r)).toMatchObject({ kind: 'nick', nick: 'Nick' });
    expect(decodeRoomPresence(parse(`<presence type='probe'/>`), r)).toBeUndefined();
  });
});

describe('encoding events for users', () => {
  const D = 'sms.example.org';

  it('encodes a message with link, stanza-id, delay and receipt request', () => {
    const el = encodeInbound(
      {
        kind: 'message',
        user: 'alice@example.org',
        from: '+15551234567',
        type: 'chat',
        body: 'https://m/1.jpg',
        id: 'i1',
        oob: [{ url: 'https://m/1.jpg' }],
        stanzaId: 's1',
        delay: '2024-01-01T00:00:00.000Z',
        requestReceipt: true,
      },
      D,
    );
    expectTree(
      el,
      `<message from='+15551234567@sms.example.org' to='alice@example.org' type='chat' id='i1'><body>https://m/1.jpg</body><x xmlns='jabber:x:oob'><url>https://m/1.jpg</url></x><request xmlns='urn:xmpp:receipts'/><stanza-id xmlns='urn:xmpp:sid:0' by='+15551234567@sms.example.org' id='s1'/><delay xmlns='urn:xmpp:delay' from='+15551234567@sms.example.org' stamp='2024-01-01T00:00:00.000Z'/></message>`,
    );
  });

  it('encodes an occupant presence with muc#user item and status codes', () => {
    const el = encodeInbound(
      {
        kind: 'presence',
        user: 'alice@example.org',
        toResource: 'phone',
        from: '#c%net',
        fromResource: 'Nick',
        type: 'available',
        muc: { affiliation: 'admin', role: 'moderator', codes: [110, 100] },
      },
      'irc.example.org',
    );
    expectTree(
      el,
      `<presence from='#c%net@irc.example.org/Nick' to='alice@example.org/phone'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='admin' role='moderator'/><status code='110'/><status code='100'/></x></presence>`,
    );
  });

  it('encodes a delivered receipt (XEP-0184) and a failed one as an error with the original id', () => {
    const ok = encodeInbound({ kind: 'receipt', user: 'a@x', from: '+1555', id: 'm9', state: 'delivered' }, D);
    expectTree(ok, `<message from='+1555@sms.example.org' to='a@x'><received xmlns='urn:xmpp:receipts' id='m9'/></message>`, true);
    const failed = encodeInbound(
      { kind: 'receipt', user: 'a@x', toResource: 'phone', from: '+1555', id: 'm9', state: 'failed', condition: 'recipient-unavailable', text: 'Twilio 30003: unreachable' },
      D,
    );
    expectTree(
      failed,
      `<message from='+1555@sms.example.org' to='a@x/phone' type='error' id='m9'><error type='cancel'><recipient-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas' xml:lang='en'>Twilio 30003: unreachable</text></error></message>`,
    );
  });

  it('says a failure in words when no resource is known (servers drop errors to a bare JID)', () => {
    const el = encodeInbound({ kind: 'receipt', user: 'a@x', from: '+1555', id: 'm9', state: 'failed', text: 'Twilio 30003: unreachable' }, D);
    expectTree(el, `<message from='+1555@sms.example.org' to='a@x' type='chat'><body>⚠ Your message was not delivered: Twilio 30003: unreachable</body></message>`, true);
    const err = encodeInbound({ kind: 'error', user: 'a@x', from: '+1555', id: 'm9', stanza: 'message', condition: 'forbidden', text: 'nope' }, D);
    expect(err.attrs.type).toBe('chat');
    expect(err.getChildText('body')).toContain('nope');
  });

  it('encodes a failed MUC join as a presence error with the muc element', () => {
    const el = encodeInbound(
      { kind: 'error', user: 'a@x', toResource: 'r', from: '#c%net', fromResource: 'Nick', stanza: 'presence', condition: 'conflict', text: 'Nickname is already in use', mucJoin: true },
      'irc.example.org',
    );
    expectTree(
      el,
      `<presence from='#c%net@irc.example.org/Nick' to='a@x/r' type='error'><x xmlns='http://jabber.org/protocol/muc'/><error type='cancel'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas' xml:lang='en'>Nickname is already in use</text></error></presence>`,
    );
  });

  it('sends from the bare domain when the sender is the gateway itself', () => {
    const el = encodeInbound({ kind: 'message', user: 'a@x', from: '', type: 'chat', body: 'notice', id: 'n' }, D);
    expect(el.attrs.from).toBe(D);
  });
});
