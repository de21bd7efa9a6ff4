/**
 * The IRC client's side of IRCv3 client tags and redactions (issue 12): what a real InspIRCd 3
 * with its IRCv3 modules (Debian; m_ircv3_ctctags for message-tags) negotiates, and TAGMSG both
 * ways between the bridge's connection and a native irc-framework client, as typed events. No
 * Debian server has draft/message-redaction: the scripted fake server (test/helpers/fake-irc-server.ts)
 * offers it and sends REDACT and FAIL REDACT.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeIrcServer, type FakeIrcServer } from '../../../test/helpers/fake-irc-server.js';
import { startInspircd, type Inspircd } from '../../../test/helpers/irc-inspircd.js';
import { connectNativeIrc, type NativeIrcUser } from '../../../test/helpers/irc-native.js';
import { waitFor } from '../../../test/helpers/wait.js';
import type { IrcEvent, TextEvent } from '../client/events.js';
import { redact, tagmsg } from '../client/ircv3-commands.js';
import type { IrcSession } from '../session.js';
import { expectInbound, startBridge, unique, type BridgeUnderTest } from './helpers.js';

let inspircd: Inspircd | undefined;
const open: Array<{ close(): Promise<void> } | NativeIrcUser> = [];

beforeAll(async () => {
  inspircd = await startInspircd({ ircv3: true });
});
afterEach(async () => {
  for (const x of open.splice(0).reverse()) await ('quit' in x ? x.quit() : x.close());
});
afterAll(async () => {
  await inspircd?.stop();
});

/** Every typed event the session's connection hands over from now on. */
function record(s: IrcSession): IrcEvent[] {
  const events: IrcEvent[] = [];
  s.conn!.on('event', (ev) => events.push(ev));
  return events;
}

async function joined(port: number, network: Record<string, unknown> = {}) {
  const id = unique();
  const b: BridgeUnderTest = await startBridge(port, {}, network);
  open.push(b);
  const user = `t${id}@example.org`;
  const chan = `#t${id}`;
  await b.bridge.send({ kind: 'join', user, resource: 'r1', to: `${chan}%test`, nick: `X${id}`, id: 'join1' });
  await expectInbound(b.t, 'presence', (e) => !!e.muc?.codes.includes(110), 'joined');
  const s = b.bridge.sessionsOf(user)[0]!;
  return { b, id, user, chan, s };
}

describe('IRCv3 client tags on InspIRCd 3', () => {
  it('negotiates message-tags, echo-message, msgid and server-time for real', async () => {
    const j = await joined(inspircd!.port);
    for (const cap of ['message-tags', 'echo-message', 'server-time', 'batch', 'labeled-response']) expect(j.s.conn!.caps).toContain(cap);
    expect(j.s.conn!.caps).not.toContain('draft/message-redaction');
  });

  it('a native TAGMSG with +draft/react, +draft/reply and +typing arrives as typed events', async () => {
    const j = await joined(inspircd!.port);
    const events = record(j.s);
    const native = await connectNativeIrc(inspircd!.port, `N${j.id}`);
    open.push(native);
    native.client.join(j.chan);
    await native.expect('join', (e) => e.nick === native.nick);
    native.client.say(j.chan, 'react to me');
    const msg = (await waitFor(() => events.find((e) => e.type === 'message' && e.text === 'react to me'), 'the PRIVMSG')) as TextEvent;
    expect(msg.msgid).toBeTruthy();
    native.client.tagmsg(j.chan, { '+draft/react': '👍', '+draft/reply': msg.msgid! });
    native.client.tagmsg(j.s.nick, { '+typing': 'active' });
    const react = await waitFor(() => events.find((e) => e.type === 'tagmsg' && e.react !== undefined), 'the reaction');
    expect(react).toMatchObject({ type: 'tagmsg', source: { nick: native.nick }, target: j.chan, react: '👍', reply: msg.msgid });
    const typing = await waitFor(() => events.find((e) => e.type === 'tagmsg' && e.typing !== undefined), 'the typing notification');
    expect(typing).toMatchObject({ type: 'tagmsg', source: { nick: native.nick }, target: j.s.nick, typing: 'active' });
  });

  it('a TAGMSG and a PRIVMSG with +draft/reply from the bridge reach the native client with their tags', async () => {
    const j = await joined(inspircd!.port);
    const native = await connectNativeIrc(inspircd!.port, `N${j.id}`);
    open.push(native);
    native.client.join(j.chan);
    await native.expect('join', (e) => e.nick === native.nick);
    const t = tagmsg(j.chan, { react: '🎉', reply: 'parent-1' });
    await j.s.sendLine(t.command, t.params, t.tags);
    const got = await native.expect('tagmsg', (e) => e.target === j.chan);
    expect(got.tags).toMatchObject({ '+draft/react': '🎉', '+draft/reply': 'parent-1' });
    await j.s.sendLine('PRIVMSG', [j.chan, 'an answer'], { '+draft/reply': 'parent-1' });
    const answer = await native.expect('message', (e) => e.message === 'an answer');
    expect(answer.tags).toMatchObject({ '+draft/reply': 'parent-1' });
  });
});

describe('draft/message-redaction (fake IRC server: no Debian server has it)', () => {
  let fake: FakeIrcServer | undefined;
  afterEach(async () => {
    await fake?.close();
  });

  it('is requested when offered; REDACT and FAIL REDACT arrive as typed events; REDACT is written as typed', async () => {
    fake = await startFakeIrcServer({ caps: ['message-tags', 'draft/message-redaction', 'some-other-cap'] });
    const j = await joined(fake.port);
    const client = await fake.client(0);
    const req = await client.expect((l) => l.startsWith('CAP REQ'), 'CAP REQ');
    expect(req.split(/[ :]+/)).toEqual(expect.arrayContaining(['message-tags', 'draft/message-redaction']));
    expect(req).not.toContain('some-other-cap');
    expect(j.s.conn!.caps).toContain('draft/message-redaction');
    const events = record(j.s);
    client.line(`@msgid=r9 :bob!b@h REDACT ${j.chan} m1 :wrong window`);
    client.line(`:fake.irc FAIL REDACT UNKNOWN_MSGID ${j.chan} m0 :This message does not exist or is too old`);
    await waitFor(() => events.length >= 2 || undefined, 'two events');
    expect(events).toEqual([
      { type: 'redact', source: { nick: 'bob', user: 'b', host: 'h' }, target: j.chan, redacted: 'm1', reason: 'wrong window', msgid: 'r9' },
      { type: 'fail', server: 'fake.irc', command: 'REDACT', code: 'UNKNOWN_MSGID', context: [j.chan, 'm0'], description: 'This message does not exist or is too old' },
    ]);
    const r = redact(j.chan, 'm2', 'typo');
    await j.s.sendLine(r.command, r.params, r.tags);
    await client.expect((l) => l === `REDACT ${j.chan} m2 typo`, 'the REDACT');
  });
});
