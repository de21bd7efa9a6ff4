import { describe, expect, it } from 'vitest';
import type { UserQuery } from '../../../src/core/bridge.js';
import { StanzaError } from '../../../src/core/errors.js';
import type { Outbound } from '../../../src/core/model.js';
import { connectNativeIrc, type NativeIrcUser } from '../../../test/helpers/irc-native.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { SOFTWARE } from '../../../src/core/software.js';
import { awayLine } from '../presence.js';
import { expectInbound, find, startBridge, unique, useNgircd } from './helpers.js';

const ircd = useNgircd();

async function joined() {
  const id = unique();
  const b = await startBridge(ircd().port);
  const user = `u${id}@example.org`;
  const chan = `#h${id}`;
  const room = `${chan}%test`;
  const nick = `X${id}`;
  await b.bridge.send({ kind: 'join', user, resource: 'r1', to: room, nick, id: 'join1' });
  return { ...b, id, user, chan, room, nick };
}

function whoisAway(native: NativeIrcUser, nick: string): Promise<string | undefined> {
  // irc-framework's whois() is not in the local type declarations (test/helpers/irc-framework.d.ts).
  const client = native.client as unknown as { whois(nick: string, cb: (data: { away?: string }) => void): void };
  return new Promise((resolve) => client.whois(nick, (data) => resolve(data.away)));
}

/** The user's presence from `resource`, as the outbox hands it to the bridge (kind `presence`). */
async function presence(j: { bridge: { send(e: Outbound): Promise<unknown> }; user: string }, resource: string, p: Omit<Extract<Outbound, { kind: 'presence' }>, 'kind' | 'user' | 'resource' | 'to'>): Promise<void> {
  await j.bridge.send({ kind: 'presence', user: j.user, resource, to: '', ...p });
}

async function rejectsWith(p: Promise<unknown>, condition: string): Promise<void> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(StanzaError);
  expect((err as StanzaError).condition).toBe(condition);
}

describe('presence → AWAY', () => {
  it.each([
    [{ available: true, show: 'away' as const, status: 'lunch' }, 'lunch'],
    [{ available: true, show: 'xa' as const }, 'Extended away'],
    [{ available: true, show: 'dnd' as const, status: 'busy\r\nQUIT' }, 'busy QUIT'],
    [{ available: true, show: 'chat' as const, status: 'hi' }, ''],
    [{ available: true }, ''],
  ])('%j gives AWAY %j', (p, line) => {
    expect(awayLine(p)).toBe(line);
  });
});

describe('Bridge hooks and presence on IRC rooms (ngircd)', () => {
  it('XEP-0410 self-ping resolves for a joined resource and nick, and is not-acceptable otherwise', async () => {
    const j = await joined();
    const ping = (user: string, resource: string, room: string, nick: string) => Promise.resolve().then(() => j.t.rooms.selfPing(user, resource, room, nick));
    await expect(ping(j.user, 'r1', j.room, j.nick)).resolves.toBeUndefined();
    await rejectsWith(ping(j.user, 'r2', j.room, j.nick), 'not-acceptable');
    await rejectsWith(ping(j.user, 'r1', j.room, 'SomeoneElse'), 'not-acceptable');
    await rejectsWith(ping(j.user, 'r1', `#nothere${j.id}%test`, j.nick), 'not-acceptable');
    await rejectsWith(ping(`other${j.id}@example.org`, 'r1', j.room, j.nick), 'not-acceptable');
  });

  it('roomInfo gives the occupant count and the subject', async () => {
    const j = await joined();
    expect(j.t.rooms.info(j.user, `#nothere${j.id}%test`)).toBeUndefined();
    expect(j.t.rooms.info(j.user, j.room)).toEqual({ occupants: 1, subject: '' });
    const native = await connectNativeIrc(ircd().port, `N${j.id}`);
    native.client.join(j.chan);
    await expectInbound(j.t, 'presence', (e) => e.fromResource === `N${j.id}`, 'native joins');
    native.client.raw(`TOPIC ${j.chan} :the topic`);
    await expectInbound(j.t, 'subject', (e) => e.subject === 'the topic', 'topic');
    expect(j.t.rooms.info(j.user, j.room)).toEqual({ occupants: 2, subject: 'the topic' });
  });

  it('show away/xa/dnd sets IRC AWAY with the status on every connection, available clears it', async () => {
    const j = await joined();
    const native = await connectNativeIrc(ircd().port, `N${j.id}`);
    await presence(j, 'r1', { available: true, show: 'away', status: 'gone fishing' });
    await waitFor(async () => ((await whoisAway(native, j.nick)) === 'gone fishing' ? true : undefined), 'AWAY set');
    await presence(j, 'r1', { available: true, show: 'dnd' });
    await waitFor(async () => ((await whoisAway(native, j.nick)) === 'Do not disturb' ? true : undefined), 'AWAY dnd');
    await presence(j, 'r1', { available: true });
    await waitFor(async () => ((await whoisAway(native, j.nick)) === undefined ? true : undefined), 'AWAY cleared');
  });

  it('with several resources, the user is away on IRC only while none of them is available', async () => {
    const j = await joined();
    const native = await connectNativeIrc(ircd().port, `N${j.id}`);
    const away = () => whoisAway(native, j.nick);
    await presence(j, 'desk', { available: true });
    await presence(j, 'phone', { available: true, show: 'xa', status: 'asleep' });
    // The desk is still available: no AWAY. A PING round trip (whois) after both updates shows it.
    expect(await away()).toBeUndefined();
    await presence(j, 'desk', { available: true, show: 'away', status: 'lunch' });
    // Both away: the more available one (away over xa) speaks for the user.
    await waitFor(async () => ((await away()) === 'lunch' ? true : undefined), 'away from the desk');
    await presence(j, 'desk', { available: false });
    await waitFor(async () => ((await away()) === 'asleep' ? true : undefined), 'the phone is what is left');
    await presence(j, 'phone', { available: true });
    await waitFor(async () => ((await away()) === undefined ? true : undefined), 'back');
  });

  it('an IRC INVITE reaches the user as a mediated invitation from the room', async () => {
    const j = await joined();
    const native = await connectNativeIrc(ircd().port, `N${j.id}`);
    native.client.join(`#inv${j.id}`);
    await native.expect('join');
    native.client.raw(`INVITE ${j.nick} #inv${j.id}`);
    const inv = await expectInbound(j.t, 'invite', () => true, 'invite');
    expect(inv).toMatchObject({ user: j.user, from: `#inv${j.id}%test`, inviter: `N${j.id}` });
  });

  it('a CTCP VERSION from IRC that the user’s client does not answer is answered with the gateway software name and version', async () => {
    const j = await joined();
    const native = await connectNativeIrc(ircd().port, `N${j.id}`);
    const replies: string[] = [];
    native.client.on('ctcp response', (e) => replies.push(String(e.message ?? '')));
    native.client.raw(`PRIVMSG ${j.nick} :\x01VERSION\x01`);
    const reply = await waitFor(() => replies.find((m) => m.startsWith('VERSION')), 'CTCP VERSION reply');
    expect(reply).toBe(`VERSION ${SOFTWARE.name} ${SOFTWARE.version}`);
  });

  it('a CTCP VERSION or PING from IRC is asked of the joined client, from the asker’s JID; an unreachable client gets no PING reply', async () => {
    const id = unique();
    const queries: UserQuery[] = [];
    let reachable = true;
    const b = await startBridge(ircd().port, {}, {}, {
      queryUser: async (q) => {
        queries.push(q);
        if (!reachable) throw new StanzaError('service-unavailable', 'gone');
        return q.query === 'version' ? { name: 'Gajim', version: '1.9', os: 'Linux\x01\r\nQUIT :x' } : {};
      },
    });
    const user = `u${id}@example.org`;
    const nick = `X${id}`;
    await b.bridge.send({ kind: 'join', user, resource: 'laptop', to: `#q${id}%test`, nick });
    const native = await connectNativeIrc(ircd().port, `N${id}`);
    const replies: string[] = [];
    native.client.on('ctcp response', (e) => replies.push(String(e.message ?? '')));
    native.client.raw(`PRIVMSG ${nick} :\x01VERSION\x01`);
    // Control characters from the client cannot end the CTCP or the line.
    expect(await waitFor(() => replies.find((m) => m.startsWith('VERSION')), 'VERSION reply')).toBe('VERSION Gajim 1.9 (Linux   QUIT :x)');
    expect(queries[0]).toMatchObject({ user, resource: 'laptop', from: `n${id}%test`, query: 'version' });
    native.client.raw(`PRIVMSG ${nick} :\x01PING 777\x01`);
    expect(await waitFor(() => replies.find((m) => m.startsWith('PING')), 'PING reply')).toBe('PING 777');
    reachable = false;
    native.client.raw(`PRIVMSG ${nick} :\x01PING 888\x01`);
    await waitFor(() => queries.length === 3, 'the third query');
    // A round trip through the server after the query: a reply would have arrived before this one.
    native.client.raw(`PRIVMSG ${nick} :\x01VERSION\x01`);
    await waitFor(() => replies.filter((m) => m.startsWith('VERSION')).length === 2, 'the second VERSION reply');
    expect(replies.filter((m) => m.startsWith('PING'))).toEqual(['PING 777']);
  });

  it('a client error bounce removes only that resource, with 110 and a note; the last one parts without "error"', async () => {
    const j = await joined();
    await j.bridge.send({ kind: 'join', user: j.user, resource: 'r2', to: j.room, nick: j.nick });
    const native = await connectNativeIrc(ircd().port, `N${j.id}`);
    native.client.join(j.chan);
    await native.expect('join');
    await j.bridge.send({ kind: 'leave', user: j.user, resource: 'r2', to: j.room, status: 'error' });
    const gone = await expectInbound(j.t, 'presence', (e) => e.toResource === 'r2' && e.type === 'unavailable', 'r2 removed');
    expect(gone.muc?.codes).toEqual([110]);
    expect(gone.status).toBe('1 resource is still in this room.');
    expect(find(j.t, 'presence', (e) => e.toResource === 'r1' && e.type === 'unavailable')).toHaveLength(0);
    expect(() => j.t.rooms.selfPing(j.user, 'r2', j.room, j.nick)).toThrow(StanzaError);
    expect(() => j.t.rooms.selfPing(j.user, 'r1', j.room, j.nick)).not.toThrow();
    await j.bridge.send({ kind: 'leave', user: j.user, resource: 'r1', to: j.room, status: 'error' });
    const part = await native.expect('part', (e) => e.nick === j.nick);
    expect(part.message ?? '').not.toBe('error');
    await expectInbound(j.t, 'presence', (e) => e.toResource === 'r1' && e.type === 'unavailable' && e.muc?.codes.includes(110) === true, 'r1 removed');
  });
});
