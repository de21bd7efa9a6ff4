/**
 * XEP-0424 retraction ⇄ IRCv3 REDACT (draft/message-redaction, issue 12). No Debian IRC server has
 * draft/message-redaction (InspIRCd 3 and ngircd do not), so the scripted fake server
 * (test/helpers/fake-irc-server.ts) offers it with message-tags and echo-message: it echoes each
 * PRIVMSG with a msgid, and answers a REDACT with its echo or with FAIL REDACT as each test says.
 * The archive (core's, through the bridge) keeps XEP-0424 §6 tombstones and XEP-0461 references.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { StanzaError } from '../../../src/core/errors.js';
import { startFakeIrcServer, type FakeIrcClient, type FakeIrcServer } from '../../../test/helpers/fake-irc-server.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { channelConversation, privateRefs } from '../conversations.js';
import { expectInbound, find, startBridge, unique, type BridgeUnderTest } from './helpers.js';

const open: Array<BridgeUnderTest | FakeIrcServer> = [];
afterEach(async () => {
  for (const x of open.splice(0).reverse()) await x.close();
});

/** How the fake answers a REDACT: with its echo (accepted) or a FAIL. */
type RedactAnswer = 'echo' | 'fail';

async function setUp(answer: RedactAnswer = 'echo') {
  let n = 0;
  const fake = await startFakeIrcServer({
    caps: ['message-tags', 'echo-message', 'draft/message-redaction'],
    members: ['bob'],
    onLine: (client: FakeIrcClient, line: string) => {
      const [command, target, rest] = line.split(' ');
      if (command === 'PRIVMSG') {
        client.line(`@msgid=m${++n} :${client.nick}!u@fake.host ${line}`);
        return true;
      }
      if (command === 'REDACT') {
        if (answer === 'echo') client.line(`:${client.nick}!u@fake.host REDACT ${target} ${rest}`);
        else client.line(`:fake.irc FAIL REDACT REDACT_FORBIDDEN ${target} ${rest} :You are not allowed to redact that message`);
        return true;
      }
      return false;
    },
  });
  open.push(fake);
  const id = unique();
  const b = await startBridge(fake.port);
  open.push(b);
  const user = `d${id}@example.org`;
  const chan = `#d${id}`;
  const room = `${chan}%test`;
  await b.bridge.send({ kind: 'join', user, resource: 'r1', to: room, nick: `X${id}`, id: 'join1' });
  await expectInbound(b.t, 'presence', (e) => !!e.muc?.codes.includes(110), 'joined');
  const client = await fake.client(0);
  const base = { user, resource: 'r1', to: room, type: 'groupchat' as const };
  return { ...b, fake, client, user, chan, room, nick: `X${id}`, base };
}

describe('REDACT (fake IRC server: no Debian server has draft/message-redaction)', () => {
  it('retracting the user\'s own room message REDACTs its msgid and the room reflects the retraction', async () => {
    const j = await setUp();
    await j.bridge.send({ ...j.base, kind: 'message', body: 'wrong window', id: 'w1', receiptRequested: false });
    const refl = await expectInbound(j.t, 'message', (e) => e.body === 'wrong window' && e.fromResource === j.nick, 'the reflection');
    expect(refl.stanzaId).toBe('m1');
    await j.bridge.send({ ...j.base, kind: 'retraction', retracts: 'm1', id: 'ret1' });
    expect(j.client.received).toContain(`REDACT ${j.chan} m1`);
    const back = await expectInbound(j.t, 'retraction', (e) => e.retracts === 'm1', 'the reflected retraction');
    expect(back).toMatchObject({ from: j.room, fromResource: j.nick, toResource: 'r1', type: 'groupchat' });
    expect(j.bridge.resolve(j.room).features).toContain('urn:xmpp:message-retract:1');
  });

  it('each line of a multi-line message has its msgid and is unsent by its stanza-id', async () => {
    const j = await setUp();
    await j.bridge.send({ ...j.base, kind: 'message', body: 'one\ntwo', id: 'w2', receiptRequested: false });
    await expectInbound(j.t, 'message', (e) => e.body === 'two', 'the second line');
    // The client retracts by the stanza-id of the first line; a PM: by its own id (below).
    await j.bridge.send({ ...j.base, kind: 'retraction', retracts: 'm1' });
    await j.bridge.send({ ...j.base, kind: 'retraction', retracts: 'm2' });
    expect(j.client.received.filter((l) => l.startsWith('REDACT'))).toEqual([`REDACT ${j.chan} m1`, `REDACT ${j.chan} m2`]);
  });

  it('a private message is unsent by the client\'s own id: its msgid came with the echo', async () => {
    const j = await setUp();
    const to = 'bob%test';
    await j.bridge.send({ kind: 'message', user: j.user, resource: 'r1', to, type: 'chat', body: 'secret', id: 'pm-1', originId: 'o-1', receiptRequested: false });
    await j.client.expect((l) => /^PRIVMSG bob :?secret$/.test(l), 'the PM');
    const s = j.bridge.sessionsOf(j.user)[0]!;
    await waitFor(() => s.deps.refs.get(privateRefs(j.user, 'test', 'bob'), 'o-1')?.msgids[0], 'the msgid of the PM from its echo');
    await j.bridge.send({ kind: 'retraction', user: j.user, resource: 'r1', to, type: 'chat', retracts: 'o-1' });
    expect(j.client.received).toContain('REDACT bob m1');
    // The archive kept it under its id; the tombstone is found by the origin-id the client named.
    expect(j.mam(j.user, to, { page: {} }).messages.map((m) => [m.id, m.body, m.originId, !!m.retracted])).toEqual([['pm-1', '', 'o-1', true]]);
  });

  it('FAIL REDACT answers the retraction with an error; nothing is reflected', async () => {
    const j = await setUp('fail');
    await j.bridge.send({ ...j.base, kind: 'message', body: 'stays', id: 's1', receiptRequested: false });
    await expectInbound(j.t, 'message', (e) => e.body === 'stays' && e.fromResource === j.nick, 'the reflection');
    const err = await j.bridge.send({ ...j.base, kind: 'retraction', retracts: 'm1' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StanzaError);
    expect(err).toMatchObject({ condition: 'not-allowed' });
    expect((err as Error).message).toContain('You are not allowed to redact that message');
    expect(find(j.t, 'retraction')).toEqual([]);
  });

  it('someone else\'s message cannot be retracted', async () => {
    const j = await setUp();
    j.client.line(`@msgid=b1 :bob!b@h PRIVMSG ${j.chan} :mine`);
    await expectInbound(j.t, 'message', (e) => e.body === 'mine', 'bob\'s line');
    const err = await j.bridge.send({ ...j.base, kind: 'retraction', retracts: 'b1' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ condition: 'forbidden' });
    expect(j.client.received.filter((l) => l.startsWith('REDACT'))).toEqual([]);
  });

  it('an inbound REDACT is a retraction from the occupant in a room and from the nick in private', async () => {
    const j = await setUp();
    j.client.line(`@msgid=b1 :bob!b@h PRIVMSG ${j.chan} :oops`);
    await expectInbound(j.t, 'message', (e) => e.body === 'oops' && e.stanzaId === 'b1', 'bob\'s line');
    j.client.line(`@msgid=r1 :bob!b@h REDACT ${j.chan} b1 :wrong channel`);
    const inRoom = await expectInbound(j.t, 'retraction', (e) => e.from === j.room, 'the room retraction');
    expect(inRoom).toMatchObject({ fromResource: 'bob', toResource: 'r1', retracts: 'b1', stanzaId: 'r1', type: 'groupchat' });
    j.client.line(`@msgid=b2 :bob!b@h PRIVMSG ${j.nick} :psst`);
    const pm = await expectInbound(j.t, 'message', (e) => e.body === 'psst', 'the PM');
    expect(pm.id).toBe('b2');
    j.client.line(`:bob!b@h REDACT ${j.nick} b2`);
    const inChat = await expectInbound(j.t, 'retraction', (e) => e.type === 'chat', 'the private retraction');
    expect(inChat).toMatchObject({ from: 'bob%test', retracts: 'b2' });
  });
});

describe('the archive after a REDACT and a reply (XEP-0424 §6 tombstones, XEP-0461; fake IRC server)', () => {
  it('an inbound REDACT in a room leaves a tombstone in MAM and in the join history, not the text', async () => {
    const j = await setUp();
    j.client.line(`@msgid=b1 :bob!b@h PRIVMSG ${j.chan} :my password is hunter2`);
    j.client.line(`@msgid=b2 :bob!b@h PRIVMSG ${j.chan} :stays`);
    await expectInbound(j.t, 'message', (e) => e.body === 'stays', 'bob\'s second line');
    j.client.line(`@msgid=r1 :bob!b@h REDACT ${j.chan} b1 :oops`);
    await expectInbound(j.t, 'retraction', (e) => e.retracts === 'b1', 'the retraction');
    const page = j.mam(j.user, j.room, { page: {} });
    expect(page.messages.map((m) => [m.id, m.body, m.retracted?.id])).toEqual([
      ['b1', '', 'r1'],
      ['b2', 'stays', undefined],
    ]);
    expect(JSON.stringify(j.t.archive.entries(j.user, channelConversation('test', j.chan)))).not.toContain('hunter2');
    await j.bridge.send({ kind: 'join', user: j.user, resource: 'r2', to: j.room, nick: j.nick });
    await expectInbound(j.t, 'message', (e) => e.toResource === 'r2' && e.body === 'stays', 'the join history');
    const history = find(j.t, 'message', (e) => e.toResource === 'r2' && e.delay !== undefined);
    expect(history.map((e) => [e.stanzaId, e.body, e.retracted?.id])).toEqual([
      ['b1', '', 'r1'],
      ['b2', 'stays', undefined],
    ]);
  });

  it('an inbound REDACT of a private message, and the user\'s own retraction in the room, leave tombstones', async () => {
    const j = await setUp();
    j.client.line(`@msgid=p1 :bob!b@h PRIVMSG ${j.nick} :psst`);
    await expectInbound(j.t, 'message', (e) => e.body === 'psst', 'the PM');
    j.client.line(`:bob!b@h REDACT ${j.nick} p1`);
    await expectInbound(j.t, 'retraction', (e) => e.type === 'chat', 'the private retraction');
    expect(j.mam(j.user, 'bob%test', { page: {} }).messages.map((m) => [m.id, m.body, !!m.retracted])).toEqual([['p1', '', true]]);
    await j.bridge.send({ ...j.base, kind: 'message', body: 'wrong window', id: 'w1', receiptRequested: false });
    await expectInbound(j.t, 'message', (e) => e.body === 'wrong window', 'the reflection');
    await j.bridge.send({ ...j.base, kind: 'retraction', retracts: 'm1', id: 'ret1' });
    const reflected = await expectInbound(j.t, 'retraction', (e) => e.retracts === 'm1', 'the reflected retraction');
    const [own] = j.mam(j.user, j.room, { page: {} }).messages;
    expect(own).toMatchObject({ id: 'm1', body: '', fromResource: j.nick, retracted: { id: reflected.stanzaId } });
  });

  it('a reply from IRC (+draft/reply) comes back from MAM and the join history with its reference', async () => {
    const j = await setUp();
    j.client.line(`@msgid=q1 :bob!b@h PRIVMSG ${j.chan} :question?`);
    j.client.line(`@msgid=a1;+draft/reply=q1 :bob!b@h PRIVMSG ${j.chan} :answer`);
    const live = await expectInbound(j.t, 'message', (e) => e.body === 'answer', 'the reply');
    expect(live.replyTo).toEqual({ id: 'q1', to: `${j.room}/bob` });
    const [question, answer] = j.mam(j.user, j.room, { page: {} }).messages;
    expect(question!.replyTo).toBeUndefined();
    expect(answer).toMatchObject({ id: 'a1', body: 'answer', replyTo: { id: 'q1', to: `${j.room}/bob` } });
    await j.bridge.send({ kind: 'join', user: j.user, resource: 'r2', to: j.room, nick: j.nick });
    const hist = await expectInbound(j.t, 'message', (e) => e.toResource === 'r2' && e.body === 'answer', 'the join history');
    expect(hist.replyTo).toEqual({ id: 'q1', to: `${j.room}/bob` });
    j.client.line(`@msgid=a2;+draft/reply=q1 :bob!b@h PRIVMSG ${j.nick} :in private`);
    await expectInbound(j.t, 'message', (e) => e.body === 'in private', 'the private reply');
    expect(j.mam(j.user, 'bob%test', { page: {} }).messages[0]).toMatchObject({ id: 'a2', replyTo: { id: 'q1' } });
  });
});
