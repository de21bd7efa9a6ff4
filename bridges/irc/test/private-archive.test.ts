import { describe, expect, it } from 'vitest';
import { StanzaError } from '../../../src/core/errors.js';
import { privateConversation } from '../conversations.js';
import { connectNativeIrc } from '../../../test/helpers/irc-native.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { expectInbound, startBridge, unique, useNgircd } from './helpers.js';

const ircd = useNgircd();

async function pmPair(options: Record<string, unknown> = {}, clients: Parameters<typeof startBridge>[3] = {}) {
  const id = unique();
  const b = await startBridge(ircd().port, options, {}, clients);
  const user = `p${id}@example.org`;
  const native = await connectNativeIrc(ircd().port, `N${id}`);
  const contact = `n${id}%test`;
  // The first PM opens the connection with the user's default nick (its local part).
  await b.bridge.send({ kind: 'message', user, resource: 'r1', to: contact, type: 'chat', body: 'hi from xmpp', id: 'pm1', receiptRequested: false });
  const first = await native.expect('message', (e) => e.message === 'hi from xmpp');
  return { ...b, id, user, native, contact, myNick: String(first.nick) };
}

describe('private conversations in the archive (XEP-0313 on nick%network)', () => {
  it('archives PMs both ways per user and answers MAM on the nick JID', async () => {
    const p = await pmPair();
    p.native.client.say(p.myNick, 'hi from irc');
    await expectInbound(p.t, 'message', (e) => e.from === p.contact && e.body === 'hi from irc', 'PM from IRC');
    const page = p.mam(p.user, p.contact, { page: {} });
    expect(page.messages.map((m) => ({ type: m.type, body: m.body, outgoing: m.outgoing }))).toEqual([
      { type: 'chat', body: 'hi from xmpp', outgoing: true },
      { type: 'chat', body: 'hi from irc', outgoing: undefined },
    ]);
    expect(page.messages[0]!.id).toBe('pm1');
    expect(page.complete).toBe(true);
    expect(p.bridge.resolve(p.contact).archive).toBeDefined();
    // Another user's archive of the same nick is separate; nick case does not matter.
    expect(p.mam(`other${p.id}@example.org`, p.contact, { page: {} }).messages).toEqual([]);
    expect(p.mam(p.user, `N${p.id}%test`, { page: { max: 1 } }).messages.map((m) => m.body)).toEqual(['hi from xmpp']);
  });

  it('archive_private: false keeps private conversations out of the archive', async () => {
    const p = await pmPair({ archive_private: false });
    p.native.client.say(p.myNick, 'not kept');
    await expectInbound(p.t, 'message', (e) => e.body === 'not kept', 'PM from IRC');
    expect(p.t.archive.entries(p.user, privateConversation('test', `n${p.id}`))).toEqual([]);
    expect(p.bridge.resolve(p.contact).archive).toBeUndefined();
    expect(() => p.mam(p.user, p.contact, { page: {} })).toThrow(StanzaError);
  });
});

describe('CTCP from IRC', () => {
  it('a CTCP PING is answered with a NOTICE carrying the same payload once the client that wrote answered the ping', async () => {
    const asked: string[] = [];
    const p = await pmPair({}, { queryUser: async (q) => (asked.push(`${q.query} ${q.resource}`), {}) });
    const replies: string[] = [];
    p.native.client.on('ctcp response', (e) => replies.push(String(e.message ?? '')));
    p.native.client.raw(`PRIVMSG ${p.myNick} :\x01PING 1234567890 abc\x01`);
    expect(await waitFor(() => replies.find((m) => m.startsWith('PING')), 'CTCP PING reply')).toBe('PING 1234567890 abc');
    // No room joined: the resource that sent the PM was asked.
    expect(asked).toEqual(['ping r1']);
  });
});
