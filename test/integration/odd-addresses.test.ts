// Every stanza addressed to a bridge gets an answer, or is silent because the spec says so
// (issue 9): odd local parts sent through Prosody to each bridge, as each stanza kind that
// expects an answer — message chat / groupchat / normal, presence join / subscribe / probe,
// iq get / set — and the answer asserted (error condition and the original id). Silent by
// spec, asserted too: an unavailable presence (RFC 6121 §4.5.3: nothing was asked) and any
// error stanza (RFC 6120 §8.3.1: never answer an error).
import { xml } from '@xmpp/client';
import type { Element } from 'ltx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCondition, errorText } from '../helpers/stanza-assert.js';
import { DOMAINS, startAllBridges, type AllBridges } from './all-bridges-stack.js';

const MUC = 'http://jabber.org/protocol/muc';
type Kind = 'chat' | 'groupchat' | 'normal' | 'join' | 'subscribe' | 'probe' | 'iq-get' | 'iq-set';
const ALL: Kind[] = ['chat', 'groupchat', 'normal', 'join', 'subscribe', 'probe', 'iq-get', 'iq-set'];
const LONG = 'x'.repeat(300);

// [bridge, local part, expected condition, stanza kinds]
const CASES: Array<[keyof typeof DOMAINS, string, 'jid-malformed' | 'item-not-found', Kind[]]> = [
  // The channel named `\` of the issue: `\` is no channel (CHANTYPES #&) but a nick, so only what
  // needs a room is refused; a chat message to the nick `\` is a private message.
  ['irc', '\\5c%test', 'item-not-found', ['groupchat', 'join']],
  ['irc', '\\5c', 'jid-malformed', ALL],
  ['irc', '%', 'jid-malformed', ALL],
  ['irc', '%test', 'jid-malformed', ALL],
  ['irc', '#%test', 'jid-malformed', ALL],
  ['irc', '#chan%', 'jid-malformed', ALL],
  ['irc', '#a\\20b%test', 'jid-malformed', ALL],
  ['irc', 'ni\\40ck%test', 'jid-malformed', ALL],
  ['irc', `#${LONG}%test`, 'jid-malformed', ALL],
  ['irc', '#chan%nowhere', 'item-not-found', ALL],
  ['irc', 'nowhere', 'item-not-found', ALL],
  ['irc', 'nick%test', 'item-not-found', ['groupchat', 'join']],
  ['sms', '+1555', 'jid-malformed', ALL],
  ['sms', 'abc', 'jid-malformed', ALL],
  ['sms', '\\5c', 'jid-malformed', ALL],
  ['sms', '+15551234567', 'item-not-found', ['groupchat', 'join']],
  ['email', 'alice', 'jid-malformed', ALL],
  ['email', 'alice\\40', 'jid-malformed', ALL],
  ['email', '\\40example.com', 'jid-malformed', ALL],
  ['email', '%', 'jid-malformed', ALL],
  ['echo', LONG, 'jid-malformed', ALL],
  ['echo', 'someone', 'item-not-found', ['groupchat', 'join']],
];

let seq = 0;

function stanza(kind: Kind, jid: string, id: string): Element {
  switch (kind) {
    case 'chat':
    case 'groupchat':
    case 'normal':
      return xml('message', { to: jid, type: kind, id }, xml('body', {}, `odd ${id}`));
    case 'join':
      return xml('presence', { to: `${jid}/Alice`, id }, xml('x', { xmlns: MUC }));
    case 'subscribe':
    case 'probe':
      return xml('presence', { to: jid, type: kind, id });
    case 'iq-get':
      return xml('iq', { to: jid, type: 'get', id }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' }));
    case 'iq-set':
      return xml('iq', { to: jid, type: 'set', id }, xml('query', { xmlns: 'jabber:iq:register' }));
  }
}

const stanzaName = (kind: Kind) => (kind.startsWith('iq') ? 'iq' : ['join', 'subscribe', 'probe'].includes(kind) ? 'presence' : 'message');

describe('odd addresses through Prosody get an answer from every bridge', () => {
  let s: AllBridges;

  beforeAll(async () => {
    s = await startAllBridges('OddNative');
  });

  afterAll(async () => {
    await s?.stop();
  });

  it.each(CASES)('%s %j → %s', async (bridge, localpart, condition, kinds) => {
    const jid = `${localpart}@${DOMAINS[bridge]}`;
    const ids = kinds.map((k) => [k, `odd-${bridge}-${k}-${(seq += 1)}`] as const);
    for (const [kind, id] of ids) await s.alice.send(stanza(kind, jid, id));
    for (const [kind, id] of ids) {
      const answer = await s.alice.waitForStanza((el) => el.attrs.id === id && el.attrs.type === 'error', `the ${kind} error for ${jid}`);
      expect(answer.name).toBe(stanzaName(kind));
      expect({ kind, condition: errorCondition(answer) }).toEqual({ kind, condition });
      expect(errorText(answer)?.length ?? 0).toBeGreaterThan(10);
      // A failed join says so the XEP-0045 way (§7.2.6): the error carries <x xmlns='…muc'/>.
      if (kind === 'join') expect(answer.getChild('x', MUC)).toBeDefined();
    }
  });

  it('a join to a room without a nick gets jid-malformed (XEP-0045 §7.2.1)', async () => {
    await s.alice.send(xml('presence', { to: `#chan%test@${DOMAINS.irc}`, id: 'join-no-nick' }, xml('x', { xmlns: MUC })));
    const answer = await s.alice.waitForStanza((el) => el.attrs.id === 'join-no-nick' && el.attrs.type === 'error', 'the error for a join without a nick');
    expect(errorCondition(answer)).toBe('jid-malformed');
    expect(answer.getChild('x', MUC)).toBeDefined();
  });

  it('is silent where the spec wants silence, and still answers what follows', async () => {
    const jid = `%@${DOMAINS.irc}`;
    // RFC 6121 §4.5.3: an unavailable presence asks nothing. RFC 6120 §8.3.1: an error stanza is
    // never answered with another error. (A `subscribed` without a pending request never gets
    // here: Prosody drops it itself, RFC 6121 §3.1.5.)
    const silent = [
      xml('presence', { to: `${jid}/Alice`, type: 'unavailable', id: 'silent-unavailable' }),
      xml('message', { to: jid, type: 'error', id: 'silent-error' }, xml('error', { type: 'cancel' }, xml('item-not-found', { xmlns: 'urn:ietf:params:xml:ns:xmpp-stanzas' }))),
    ];
    for (const el of silent) await s.alice.send(el);
    // The address checks run synchronously as each stanza arrives and the answers are sent in
    // that order: once this one is answered, an answer to those before it would have come first.
    await s.alice.send(stanza('chat', jid, 'after-silent'));
    await s.alice.waitForStanza((el) => el.attrs.id === 'after-silent' && el.attrs.type === 'error', 'the answer after the silent ones');
    const ids = new Set(['silent-unavailable', 'silent-error']);
    expect(s.alice.received.filter((el) => ids.has(el.attrs.id ?? ''))).toEqual([]);
  });
});
