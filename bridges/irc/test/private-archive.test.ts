import { describe, expect, it } from 'vitest';
import { createTestContext } from '../../../test/helpers/bridge-context.js';
import { connectNativeIrc } from '../../../test/helpers/irc-native.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { pmKey, RoomArchive } from '../archive.js';
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
    const page = await p.bridge.archive(p.user, p.contact, { page: {} });
    expect(page.messages.map((m) => ({ type: m.type, body: m.body, outgoing: m.outgoing }))).toEqual([
      { type: 'chat', body: 'hi from xmpp', outgoing: true },
      { type: 'chat', body: 'hi from irc', outgoing: undefined },
    ]);
    expect(page.messages[0]!.id).toBe('pm1');
    expect(page.complete).toBe(true);
    expect(p.bridge.features(p.contact)).toEqual(['urn:xmpp:mam:2']);
    // Another user's archive of the same nick is separate; nick case does not matter.
    expect((await p.bridge.archive(`other${p.id}@example.org`, p.contact, { page: {} })).messages).toEqual([]);
    expect((await p.bridge.archive(p.user, `N${p.id}%test`, { page: { max: 1 } })).messages.map((m) => m.body)).toEqual(['hi from xmpp']);
    await p.native.quit();
    await p.close();
  });

  it('archive_private: false keeps private conversations out of the archive', async () => {
    const p = await pmPair({ archive_private: false });
    p.native.client.say(p.myNick, 'not kept');
    await expectInbound(p.t, 'message', (e) => e.body === 'not kept', 'PM from IRC');
    expect((await p.bridge.archive(p.user, p.contact, { page: {} })).messages).toEqual([]);
    expect(p.bridge.features(p.contact)).toEqual([]);
    await p.native.quit();
    await p.close();
  });
});

describe('archive retention by age (archive_max_days)', () => {
  it('drops messages older than the limit on write and hides them on read', async () => {
    const t = await createTestContext({ id: 'irc', domain: 'irc.localhost' });
    let now = Date.parse('2026-03-01T00:00:00Z');
    const archive = new RoomArchive(t.ctx.kv, { now: () => now }, 1000, 2);
    const day = 86_400_000;
    archive.append('a@example.org', 'test', '#c', { id: 'd0', nick: 'n', body: 'day 0' });
    now += day;
    archive.append('a@example.org', 'test', '#c', { id: 'd1', nick: 'n', body: 'day 1' });
    archive.append('a@example.org', 'test', pmKey('Bob'), { id: 'p1', nick: 'Bob', body: 'pm day 1' });
    now += 1.5 * day; // d0 is 2.5 days old: hidden on read, though not yet deleted
    expect(archive.entries('a@example.org', 'test', '#c').map((e) => e.id)).toEqual(['d1']);
    archive.append('a@example.org', 'test', '#c', { id: 'd2', nick: 'n', body: 'day 2.5' });
    expect(t.ctx.kv.list(RoomArchive.prefix('a@example.org', 'test', '#c')).map((e) => (e.value as { id: string }).id)).toEqual(['d1', 'd2']);
    now += 1 * day;
    expect(archive.entries('a@example.org', 'test', '#c').map((e) => e.id)).toEqual(['d2']);
    expect(archive.query('a@example.org', 'test', pmKey('bob'), { page: {} }, 'chat').messages).toEqual([]);
    await t.close();
  });

  it('a busy conversation at its count cap reads its oldest entry for the age limit at most once a minute', async () => {
    const t = await createTestContext({ id: 'irc', domain: 'irc.localhost' });
    let gets = 0;
    const kv = { ...t.ctx.kv, get: <T>(key: string): T | undefined => (gets++, t.ctx.kv.get<T>(key)) };
    let now = Date.parse('2026-03-01T00:00:00Z');
    const archive = new RoomArchive(kv, { now: () => now }, 5, 2);
    for (let i = 0; i < 200; i++) archive.append('a@example.org', 'test', '#c', { id: `m${i}`, nick: 'n', body: `m${i}` });
    expect(gets).toBeLessThanOrEqual(1); // reading it on every write would be ~195
    expect(archive.entries('a@example.org', 'test', '#c').map((e) => e.id)).toEqual(['m195', 'm196', 'm197', 'm198', 'm199']);
    now += 3 * 86_400_000; // everything has expired: the next write past the minute deletes it
    archive.append('a@example.org', 'test', '#c', { id: 'late', nick: 'n', body: 'late' });
    expect(t.ctx.kv.list(RoomArchive.prefix('a@example.org', 'test', '#c')).map((e) => (e.value as { id: string }).id)).toEqual(['late']);
    await t.close();
  });

  it('archive_max_days 0 keeps messages of any age (only the count cap)', async () => {
    const t = await createTestContext({ id: 'irc', domain: 'irc.localhost' });
    let now = 0;
    const archive = new RoomArchive(t.ctx.kv, { now: () => now }, 2, 0);
    for (const id of ['a', 'b', 'c']) archive.append('a@example.org', 'test', '#c', { id, nick: 'n', body: id, stamp: new Date(now).toISOString() });
    now = 10 * 365 * 86_400_000;
    expect(archive.entries('a@example.org', 'test', '#c').map((e) => e.id)).toEqual(['b', 'c']);
    await t.close();
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
    await p.native.quit();
    await p.close();
  });
});
