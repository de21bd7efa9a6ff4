/**
 * IRCv3 behaviour on a real ngircd session. ngircd 26 offers only `multi-prefix` in CAP LS, so for
 * echo-message, labeled-response, batch, away-notify, account-notify, extended-join and chghost the
 * capability is marked as acknowledged on the real connection and the server lines those caps
 * produce are fed to the session's line handler, exactly as the connection would hand them over.
 */
import { describe, expect, it } from 'vitest';
import { StanzaError } from '../../../src/core/errors.js';
import { connectNativeIrc } from '../../../test/helpers/irc-native.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { toEvent } from '../client/to-event.js';
import { parseLine } from '../client/line.js';
import type { IrcSession } from '../session.js';
import { expectInbound, find, startBridge, unique, useNgircd } from './helpers.js';

const ircd = useNgircd();

async function joinedWithNative(options: Record<string, unknown> = {}) {
  const id = unique();
  const b = await startBridge(ircd().port, options);
  const user = `v${id}@example.org`;
  const chan = `#v${id}`;
  const room = `${chan}%test`;
  const nick = `X${id}`;
  const native = await connectNativeIrc(ircd().port, `N${id}`);
  native.client.join(chan);
  await native.expect('join');
  await b.bridge.send({ kind: 'join', user, resource: 'r1', to: room, nick, id: 'join1' });
  const s = b.bridge.sessionsOf(user)[0]!;
  return { ...b, id, user, chan, room, nick, native, s };
}

/** Mark capabilities as acknowledged on the real connection (ngircd does not offer them). */
function ack(s: IrcSession, ...caps: string[]): void {
  for (const c of caps) (s.conn!.caps as Set<string>).add(c);
}

async function feed(s: IrcSession, ...raw: string[]): Promise<void> {
  for (const r of raw) {
    const ev = toEvent(parseLine(r)!);
    if (ev) await s.inbound.handleEvent(ev);
  }
}

function ownPrefix(s: IrcSession): string {
  return `${s.nick}!${s.conn!.user ?? '~u'}@${s.conn!.host ?? '127.0.0.1'}`;
}

describe('CAP LS 302 on ngircd 26', () => {
  it('acknowledges only what the server offers (multi-prefix), never echo-message', async () => {
    const j = await joinedWithNative();
    expect([...j.s.conn!.caps]).toEqual(['multi-prefix']);
    expect(j.s.echoMessage).toBe(false);
  });
});

describe('IRCv3 echo-message', () => {
  it('reflects a groupchat only when the server echoes it, with its msgid and server-time', async () => {
    const j = await joinedWithNative();
    ack(j.s, 'echo-message', 'message-tags', 'server-time');
    const sent = j.bridge.send({ kind: 'message', user: j.user, resource: 'r1', to: j.chan + '%test', type: 'groupchat', body: 'hello echo', id: 'm1', originId: 'o1', receiptRequested: false });
    await j.native.expect('message', (e) => e.message === 'hello echo');
    // A PING/PONG round trip through the session after the line reached the server: whatever the
    // send did without an echo has happened by the time the PONG is handled.
    const pong = j.s.awaitEvent((e) => (e.type === 'pong' && e.token === 'echo-barrier' ? e : undefined), 5000, () => new Error('no PONG'));
    await j.s.sendLine('PING', ['echo-barrier']);
    await pong;
    expect(find(j.t, 'message', (e) => e.fromResource === j.nick)).toHaveLength(0);
    const time = new Date(Date.now() - 60_000).toISOString();
    await feed(j.s, `@msgid=srv-1;time=${time} :${ownPrefix(j.s)} PRIVMSG ${j.chan} :hello echo`);
    await sent;
    const refl = find(j.t, 'message', (e) => e.fromResource === j.nick);
    expect(refl).toHaveLength(1);
    expect(refl[0]).toMatchObject({ toResource: 'r1', type: 'groupchat', body: 'hello echo', id: 'm1', originId: 'o1', stanzaId: 'srv-1' });
    const page = j.mam(j.user, j.room, { page: {} });
    expect(page.messages.map((m) => [m.id, m.stamp, m.body])).toEqual([['srv-1', time, 'hello echo']]);
  });

  it('matches a multi-line message line by line, in order, the ids on the first line only', async () => {
    const j = await joinedWithNative();
    ack(j.s, 'echo-message');
    const sent = j.bridge.send({ kind: 'message', user: j.user, resource: 'r1', to: j.room, type: 'groupchat', body: '/me waves\nsecond', id: 'm2', receiptRequested: false });
    await j.native.expect('message', (e) => e.message === 'second');
    await feed(j.s, `:${ownPrefix(j.s)} PRIVMSG ${j.chan} :\x01ACTION waves\x01`, `:${ownPrefix(j.s)} PRIVMSG ${j.chan} :second`);
    await sent;
    const refl = find(j.t, 'message', (e) => e.fromResource === j.nick);
    expect(refl.map((m) => [m.body, m.id])).toEqual([['/me waves', 'm2'], ['second', undefined]]);
  });

  it('matches by label when labeled-response is on, even if the text differs', async () => {
    const j = await joinedWithNative();
    ack(j.s, 'echo-message');
    const seen: string[] = [];
    j.s.queue.attach((line) => seen.push(line)); // capture the wire line instead of sending it
    (j.s.conn!.caps as Set<string>).add('labeled-response');
    const sent = j.bridge.send({ kind: 'message', user: j.user, resource: 'r1', to: j.room, type: 'groupchat', body: 'labelled', id: 'm3', receiptRequested: false });
    const wire = await waitFor(() => seen.find((l) => l.includes('labelled')), 'labelled line');
    const label = /^@label=([^ ;]+) PRIVMSG /.exec(wire)?.[1];
    expect(label).toBeDefined();
    await feed(j.s, `@label=${label} :${ownPrefix(j.s)} PRIVMSG ${j.chan} :labelled (server rewrote it)`);
    await sent;
    expect(find(j.t, 'message', (e) => e.fromResource === j.nick)[0]).toMatchObject({ body: 'labelled', id: 'm3' });
  });

  it('without an echo in time the sender gets remote-server-timeout and nothing is reflected', async () => {
    const j = await joinedWithNative({ echo_timeout_ms: 300 });
    ack(j.s, 'echo-message');
    const err = await j.bridge.send({ kind: 'message', user: j.user, resource: 'r1', to: j.room, type: 'groupchat', body: 'lost?', id: 'm4', receiptRequested: false }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(StanzaError);
    expect((err as StanzaError).condition).toBe('remote-server-timeout');
    expect(find(j.t, 'message', (e) => e.fromResource === j.nick)).toHaveLength(0);
  });

  it('a connection lost before the echo gives the sender remote-server-timeout, not a silent loss', async () => {
    const j = await joinedWithNative();
    ack(j.s, 'echo-message');
    const sent = j.bridge.send({ kind: 'message', user: j.user, resource: 'r1', to: j.room, type: 'groupchat', body: 'in flight', id: 'm6', receiptRequested: false });
    await j.native.expect('message', (e) => e.message === 'in flight');
    j.s.conn!.destroy('Connection reset by test.');
    const err = await sent.then(() => undefined, (e: unknown) => e);
    expect((err as StanzaError).condition).toBe('remote-server-timeout');
    expect(find(j.t, 'message', (e) => e.fromResource === j.nick && e.body === 'in flight')).toHaveLength(0);
  });

  it('does not show our own echoed PMs, notices and CTCP replies, and reflects a raw-command PRIVMSG to the room', async () => {
    const j = await joinedWithNative();
    ack(j.s, 'echo-message');
    await feed(
      j.s,
      `:${ownPrefix(j.s)} PRIVMSG N${j.id} :private echo`,
      `:${ownPrefix(j.s)} NOTICE N${j.id} :\x01VERSION x\x01`,
      `:${ownPrefix(j.s)} NOTICE ${j.chan} :a notice`,
      `:${ownPrefix(j.s)} PRIVMSG ${j.chan} :sent by a raw command`,
    );
    const msgs = find(j.t, 'message', (e) => e.body !== undefined && !e.from.startsWith('test'));
    expect(msgs.map((m) => [m.from, m.fromResource, m.body])).toEqual([[j.room, j.nick, 'sent by a raw command']]);
  });

  it('without echo-message the reflection follows a PING round trip, the server\'s chance to refuse (ngircd)', async () => {
    const j = await joinedWithNative();
    await j.bridge.send({ kind: 'message', user: j.user, resource: 'r1', to: j.room, type: 'groupchat', body: 'no echo', id: 'm5', receiptRequested: false });
    expect(await expectInbound(j.t, 'message', (e) => e.fromResource === j.nick, 'the reflection')).toMatchObject({ body: 'no echo', id: 'm5' });
    await j.native.expect('message', (e) => e.message === 'no echo');
  });
});

describe('IRCv3 batch', () => {
  it('handles netsplit/netjoin batches line by line and says nothing about BATCH itself', async () => {
    const j = await joinedWithNative();
    ack(j.s, 'batch');
    const n = `N${j.id}`;
    await feed(j.s, `:irc.test.local BATCH +s1 netsplit a.net b.net`, `@batch=s1 :${n}!u@h QUIT :a.net b.net`, `:irc.test.local BATCH -s1`);
    await expectInbound(j.t, 'presence', (e) => e.fromResource === n && e.type === 'unavailable', 'netsplit quit');
    await feed(j.s, `:irc.test.local BATCH +j1 netjoin a.net b.net`, `@batch=j1 :${n}!u@h JOIN ${j.chan}`, `:irc.test.local BATCH -j1`);
    await waitFor(() => find(j.t, 'presence', (e) => e.fromResource === n && e.type === 'available').length === 2 || undefined, 'netjoin join');
    expect(find(j.t, 'message', (e) => /BATCH|netsplit|netjoin/.test(e.body))).toHaveLength(0);
  });

  it('delivers a chathistory batch with its delays and archives each message once', async () => {
    const j = await joinedWithNative();
    ack(j.s, 'batch', 'message-tags', 'server-time');
    const n = `N${j.id}`;
    const time = new Date(Date.now() - 3_600_000).toISOString();
    const replay = [`:irc.test.local BATCH +h1 chathistory ${j.chan}`, `@batch=h1;msgid=old-1;time=${time} :${n}!u@h PRIVMSG ${j.chan} :from the past`, `:irc.test.local BATCH -h1`];
    await feed(j.s, ...replay);
    await feed(j.s, ...replay.map((l) => l.replace(/h1/g, 'h2')));
    const got = find(j.t, 'message', (e) => e.body === 'from the past');
    expect(got[0]).toMatchObject({ from: j.room, fromResource: n, stanzaId: 'old-1', delay: time });
    const page = j.mam(j.user, j.room, { page: {} });
    expect(page.messages.filter((m) => m.id === 'old-1')).toHaveLength(1);
  });
});

describe('away-notify, account-notify, extended-join, chghost', () => {
  it('AWAY gives the occupant show away with the message as status; back gives a presence without show', async () => {
    const j = await joinedWithNative();
    ack(j.s, 'away-notify');
    const n = `N${j.id}`;
    await feed(j.s, `:${n}!u@h AWAY :out for lunch`);
    const away = await expectInbound(j.t, 'presence', (e) => e.fromResource === n && e.show === 'away', 'away presence');
    expect(away).toMatchObject({ type: 'available', status: 'out for lunch', toResource: 'r1' });
    // The member list is shared by every session in the channel, so a session cannot tell a
    // repeated AWAY from one another session applied first: each AWAY line is relayed.
    await feed(j.s, `:${n}!u@h AWAY :back at two`);
    await expectInbound(j.t, 'presence', (e) => e.fromResource === n && e.show === 'away' && e.status === 'back at two', 'new away message');
    await feed(j.s, `:${n}!u@h AWAY`);
    // The join's presence, then the one saying the occupant is back.
    const back = await waitFor(() => find(j.t, 'presence', (e) => e.fromResource === n && e.type === 'available' && !e.show)[1], 'back');
    expect(back.show).toBeUndefined();
    expect(back.status).toBeUndefined();
    expect(find(j.t, 'presence', (e) => e.fromResource === n && e.show === 'away')).toHaveLength(2);
  });

  it('RPL_AWAY (301) from the real server on a PM to an away occupant marks it away', async () => {
    const j = await joinedWithNative();
    const n = `N${j.id}`;
    j.native.client.raw('AWAY :gone fishing');
    await j.native.sync();
    await j.bridge.send({ kind: 'message', user: j.user, resource: 'r1', to: `${n.toLowerCase()}%test`, type: 'chat', body: 'are you there?', receiptRequested: false });
    // The join's WHO may have seen the away flag first (status "Away"): the 301 brings the message.
    const away = await expectInbound(j.t, 'presence', (e) => e.fromResource === n && e.show === 'away' && e.status === 'gone fishing', '301 away presence');
    expect(away.type).toBe('available');
  });

  it('ACCOUNT is silent, an extended JOIN adds the occupant, CHGHOST changes the host without part/join', async () => {
    const j = await joinedWithNative();
    ack(j.s, 'account-notify', 'extended-join', 'chghost', 'away-notify');
    const n = `N${j.id}`;
    const before = j.t.inbound().length;
    await feed(j.s, `:${n}!u@h ACCOUNT someaccount`);
    expect(j.t.inbound().length).toBe(before);
    await feed(j.s, `:M${j.id}!mu@mh JOIN ${j.chan} macct :M Real Name`);
    const joined = await expectInbound(j.t, 'presence', (e) => e.fromResource === `M${j.id}` && e.type === 'available', 'extended join');
    expect(joined.muc?.jid).toBe(`m${j.id}%test@irc.localhost/mu@mh`);
    await feed(j.s, `:M${j.id}!mu@mh CHGHOST newuser new.host`);
    expect(find(j.t, 'presence', (e) => e.fromResource === `M${j.id}` && e.type === 'unavailable')).toHaveLength(0);
    await feed(j.s, `:M${j.id}!newuser@new.host AWAY :brb`);
    const away = await expectInbound(j.t, 'presence', (e) => e.fromResource === `M${j.id}` && e.show === 'away', 'away after chghost');
    expect(away.muc?.jid).toBe(`m${j.id}%test@irc.localhost/newuser@new.host`);
  });

  it('standard replies WARN and NOTE are shown from the network JID like FAIL (they were dropped before)', async () => {
    const j = await joinedWithNative();
    await feed(j.s, ':irc.test.local WARN REHASH CERTS_EXPIRED :Certificate has expired', `:irc.test.local NOTE * OPER_MESSAGE ${j.chan} :Maintenance at noon`);
    await expectInbound(j.t, 'message', (e) => e.from === 'test' && e.body === 'irc.test.local: REHASH CERTS_EXPIRED: Certificate has expired', 'the WARN');
    await expectInbound(j.t, 'message', (e) => e.from === 'test' && e.body === `irc.test.local: * OPER_MESSAGE: ${j.chan} Maintenance at noon`, 'the NOTE');
  });
});
