/**
 * IRCv3 draft/chathistory after a reconnect and after a gateway restart. No Debian IRC server has
 * chathistory (ngircd, InspIRCd 3, ircd-hybrid, irc2 and ircu do not; Ergo and soju, which do, are
 * not packaged), so the scripted fake IRC server plays a server that keeps history
 * (test/helpers/fake-irc-ircv3.ts): it offers batch, server-time, message-tags and
 * draft/chathistory, answers CHATHISTORY AFTER and TARGETS from the messages it saw or was given.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Inbound } from '../../../src/core/model.js';
import { sendThroughRooms } from '../../../src/core/room-send.js';
import { fakeIrcv3, type FakeIrcv3 } from '../../../test/helpers/fake-irc-ircv3.js';
import { startFakeIrcServer, type FakeIrcServer } from '../../../test/helpers/fake-irc-server.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { IrcBridge } from '../adapter.js';
import { ircConfigSchema } from '../config.js';
import { expectInbound, find, startBridge, unique, type BridgeUnderTest } from './helpers.js';

const CAPS = ['batch', 'server-time', 'message-tags', 'draft/chathistory'];

let fake: FakeIrcServer | undefined;
let bridges: Array<{ stop(): Promise<void> }> = [];
afterEach(async () => {
  for (const b of bridges.reverse()) await b.stop();
  bridges = [];
  await fake?.close();
  fake = undefined;
});

async function setup(v3: FakeIrcv3 = fakeIrcv3(), onLine = v3.onLine) {
  fake = await startFakeIrcServer({ caps: CAPS, isupport: ['CHATHISTORY=50', 'MSGREFTYPES=msgid,timestamp'], members: ['Bob'], onLine });
  const b = await startBridge(fake.port);
  bridges.push({ stop: () => b.close() });
  const id = unique();
  const user = `h${id}@example.org`;
  const chan = `#h${id}`;
  const room = `${chan}%test`;
  const nick = `X${id}`;
  await b.bridge.send({ kind: 'join', user, resource: 'r1', to: room, nick });
  return { b, v3, user, chan, room, nick, fake };
}

const groupchat = (t: BridgeUnderTest['t'], body: string): Array<Extract<Inbound, { kind: 'message' }>> =>
  find(t, 'message', (e) => e.type === 'groupchat' && e.body === body);
const mamBodies = (b: BridgeUnderTest, user: string, localpart: string) => b.mam(user, localpart, { page: {} }).messages.map((m) => m.body);

describe('draft/chathistory after a reconnect', () => {
  it('fetches what a channel and a private conversation missed during the outage: once, with delay, archived once', async () => {
    const { b, v3, user, chan, room, nick } = await setup();
    const c0 = await fake!.client(0);
    v3.say('Bob', chan, 'before the outage', c0);
    await expectInbound(b.t, 'message', (e) => e.body === 'before the outage', 'the live message');

    c0.close();
    const missed = [v3.say('Bob', chan, 'missed one'), v3.say('Bob', chan, 'missed two'), v3.say('Carol', nick, 'a private message meanwhile')];
    const c1 = await fake!.client(1);
    // The rejoin starts after the last archived message, by its msgid (the server named it).
    await c1.expect((l) => l === `CHATHISTORY AFTER ${chan} msgid=fake-1 50`, 'CHATHISTORY AFTER by msgid');
    await c1.expect((l) => /^CHATHISTORY TARGETS timestamp=\S+ timestamp=\S+ 50$/.test(l), 'CHATHISTORY TARGETS');
    const two = await expectInbound(b.t, 'message', (e) => e.body === 'missed two', 'the second missed message');
    expect(two).toMatchObject({ type: 'groupchat', from: room, fromResource: 'Bob', toResource: 'r1', stanzaId: missed[1]!.msgid, delay: missed[1]!.time });
    const pm = await expectInbound(b.t, 'message', (e) => e.body === 'a private message meanwhile', 'the missed private message');
    expect(pm).toMatchObject({ type: 'chat', from: 'carol%test', stanzaId: missed[2]!.msgid, delay: missed[2]!.time });
    expect(groupchat(b.t, 'missed one')).toHaveLength(1);
    expect(groupchat(b.t, 'before the outage')).toHaveLength(1);
    expect(mamBodies(b, user, room)).toEqual(['before the outage', 'missed one', 'missed two']);
    expect(mamBodies(b, user, 'Carol%test')).toEqual(['a private message meanwhile']);

    // The user's own line, reflected without echo-message (archived under an id of ours), then a
    // second outage: the server replays the whole channel and the conversation; nothing twice.
    await b.bridge.send({ kind: 'message', user, resource: 'r1', to: room, type: 'groupchat', body: 'mine', id: 'm1', receiptRequested: false });
    await waitFor(() => groupchat(b.t, 'mine')[0], 'the reflection of mine');
    c1.close();
    v3.say('Bob', chan, 'missed three');
    const c2 = await fake!.client(2);
    await c2.expect((l) => l.startsWith(`CHATHISTORY AFTER ${chan} timestamp=`), 'CHATHISTORY AFTER by time (the last message is ours)');
    await expectInbound(b.t, 'message', (e) => e.body === 'missed three', 'the third missed message');
    await waitFor(() => (v3.requests.length >= 5 ? true : undefined), 'the requests of the second reconnect');
    expect(mamBodies(b, user, room)).toEqual(['before the outage', 'missed one', 'missed two', 'mine', 'missed three']);
    expect(groupchat(b.t, 'mine')).toHaveLength(1);
    expect(groupchat(b.t, 'missed two')).toHaveLength(1);
    expect(find(b.t, 'message', (e) => e.body === 'a private message meanwhile')).toHaveLength(1);
  });

  it('a server that replays more than asked for (a bouncer buffer) delivers nothing twice', async () => {
    const v3 = fakeIrcv3();
    // Answers every AFTER with the whole conversation, whatever the anchor.
    const sloppy = (client: Parameters<FakeIrcv3['onLine']>[0], line: string) =>
      v3.onLine(client, line.replace(/^(CHATHISTORY AFTER \S+) \S+/, '$1 timestamp=1970-01-01T00:00:00.000Z'));
    const { b, chan, room, user } = await setup(v3, sloppy);
    const c0 = await fake!.client(0);
    for (const text of ['a', 'b']) v3.say('Bob', chan, text, c0);
    await expectInbound(b.t, 'message', (e) => e.body === 'b', 'the live messages');
    c0.close();
    v3.say('Bob', chan, 'c');
    await expectInbound(b.t, 'message', (e) => e.body === 'c', 'the missed message', 20_000);
    (await fake!.client(1)).close();
    v3.say('Bob', chan, 'd');
    await expectInbound(b.t, 'message', (e) => e.body === 'd', 'the next missed message', 20_000);
    for (const body of ['a', 'b', 'c', 'd']) expect(groupchat(b.t, body)).toHaveLength(1);
    expect(mamBodies(b, user, room)).toEqual(['a', 'b', 'c', 'd']);
  });
});

describe('draft/chathistory replies with client tags', () => {
  it('a replayed reply (+draft/reply) keeps its XEP-0461 reference, live and in the archive', async () => {
    const { b, v3, user, chan, room, nick } = await setup();
    const c0 = await fake!.client(0);
    const question = v3.say('Bob', chan, 'question?', c0);
    await expectInbound(b.t, 'message', (e) => e.body === 'question?', 'the live question');
    c0.close();
    v3.say('Carol', chan, 'answer').tags = `+draft/reply=${question.msgid}`;
    v3.say('Carol', nick, 'and in private').tags = '+draft/reply=elsewhere';
    await fake!.client(1);
    const answer = await expectInbound(b.t, 'message', (e) => e.body === 'answer', 'the replayed reply');
    expect(answer.replyTo).toEqual({ id: question.msgid, to: `${room}/Bob` });
    const pm = await expectInbound(b.t, 'message', (e) => e.body === 'and in private', 'the replayed private reply');
    expect(pm.replyTo).toEqual({ id: 'elsewhere' });
    expect(b.mam(user, room, { page: {} }).messages.map((m) => m.replyTo)).toEqual([undefined, { id: question.msgid, to: `${room}/Bob` }]);
    expect(b.mam(user, 'carol%test', { page: {} }).messages.map((m) => m.replyTo)).toEqual([{ id: 'elsewhere' }]);
  });
});

describe('draft/chathistory when the server lost the anchor', () => {
  it('a msgid the server no longer knows (FAIL INVALID_MSGREFID) is asked again by the time of that message', async () => {
    const { b, v3, chan } = await setup();
    const c0 = await fake!.client(0);
    v3.say('Bob', chan, 'kept by the gateway only', c0);
    await expectInbound(b.t, 'message', (e) => e.body === 'kept by the gateway only', 'the live message');
    c0.close();
    v3.history.splice(0); // the bouncer's buffer moved on
    v3.say('Bob', chan, 'after the buffer moved on');
    const c1 = await fake!.client(1);
    await c1.expect((l) => l.startsWith(`CHATHISTORY AFTER ${chan} msgid=`), 'the request by msgid');
    await c1.expect((l) => l.startsWith(`CHATHISTORY AFTER ${chan} timestamp=`), 'the request again by time');
    await expectInbound(b.t, 'message', (e) => e.body === 'after the buffer moved on', 'the missed message');
    expect(find(b.t, 'message', (e) => e.body.includes('INVALID_MSGREFID'))).toEqual([]);
  });
});

describe('draft/chathistory replies holding multiline messages', () => {
  it('a multiline batch inside the reply is one message of the history', async () => {
    const v3 = fakeIrcv3();
    const time = '2026-01-01T12:00:00.000Z';
    const { b, chan } = await setup(v3, (client, line) => {
      const m = /^CHATHISTORY AFTER (#\S+) /.exec(line);
      if (!m) return v3.onLine(client, line);
      for (const l of [
        `:fake.irc BATCH +h1 chathistory ${m[1]}`,
        `@batch=h1;msgid=ml-1;time=${time} :Bob!u@fake.host BATCH +m1 draft/multiline ${m[1]}`,
        `@batch=m1 :Bob!u@fake.host PRIVMSG ${m[1]} :first`,
        `@batch=m1;draft/multiline-concat :Bob!u@fake.host PRIVMSG ${m[1]} : half`,
        `@batch=m1 :Bob!u@fake.host PRIVMSG ${m[1]} :second`,
        ':fake.irc BATCH -m1',
        ':fake.irc BATCH -h1',
      ])
        client.line(l);
      return true;
    });
    const c0 = await fake!.client(0);
    v3.say('Bob', chan, 'live', c0);
    await expectInbound(b.t, 'message', (e) => e.body === 'live', 'the live message');
    c0.close();
    const got = await expectInbound(b.t, 'message', (e) => e.body.startsWith('first'), 'the multiline message of the history');
    expect(got).toMatchObject({ type: 'groupchat', fromResource: 'Bob', body: 'first half\nsecond', stanzaId: 'ml-1', delay: time });
    expect(find(b.t, 'message', (e) => e.body === 'second' || e.body === 'first')).toEqual([]);
  });
});

describe('draft/chathistory after a gateway restart', () => {
  it('the core rejoins the room and the new bridge fetches what it missed while the gateway was down', async () => {
    const { b, v3, user, chan, room, nick } = await setup();
    const c0 = await fake!.client(0);
    v3.say('Bob', chan, 'before the restart', c0);
    await expectInbound(b.t, 'message', (e) => e.body === 'before the restart', 'the live message');
    await b.bridge.stop();
    const missed = v3.say('Bob', chan, 'while the gateway was down');
    v3.say('Dave', nick, 'a private message while down');

    const config = ircConfigSchema.parse({
      networks: { test: { servers: [{ host: '127.0.0.1', port: fake!.port, tls: false }], throttle: { burst: 50, lines_per_second: 50 } } },
    });
    const next = new IrcBridge(b.t.ctx, config);
    bridges.push({ stop: () => next.stop() });
    await next.start();
    // What the pipeline does at start for each stored room (pipeline.ts: rejoin: true).
    await sendThroughRooms(next, b.t.rooms, { kind: 'join', user, to: room, nick, rejoin: true }, {});
    const got = await expectInbound(b.t, 'message', (e) => e.body === 'while the gateway was down', 'the message missed while down');
    expect(got).toMatchObject({ type: 'groupchat', toResource: 'r1', stanzaId: missed.msgid, delay: missed.time });
    await expectInbound(b.t, 'message', (e) => e.body === 'a private message while down' && e.from === 'dave%test', 'the private message missed while down');
    expect(mamBodies(b, user, room)).toEqual(['before the restart', 'while the gateway was down']);
  });
});
