/**
 * IRCv3 draft/multiline both ways. No Debian IRC server has it (ngircd, InspIRCd 3, ircd-hybrid,
 * irc2 and ircu do not; Ergo, which does, is not packaged), so the scripted fake IRC server plays a
 * server that offers it (test/helpers/fake-irc-ircv3.ts echoes a client batch as a server batch).
 * Without the capability, one PRIVMSG per line stays (also on ngircd: muc.test.ts, ircv3.test.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { fakeIrcv3 } from '../../../test/helpers/fake-irc-ircv3.js';
import { startFakeIrcServer, type FakeIrcServer } from '../../../test/helpers/fake-irc-server.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { expectInbound, find, startBridge, unique, type BridgeUnderTest } from './helpers.js';

const MULTILINE = ['batch', 'server-time', 'message-tags', 'draft/multiline=max-bytes=4096,max-lines=24'];

let fake: FakeIrcServer | undefined;
let bridge: BridgeUnderTest | undefined;
afterEach(async () => {
  await bridge?.close();
  bridge = undefined;
  await fake?.close();
  fake = undefined;
});

async function setup(caps: string[], echo = false, options: Record<string, unknown> = {}) {
  const v3 = fakeIrcv3({ echo });
  fake = await startFakeIrcServer({ caps, members: ['Bob'], onLine: v3.onLine });
  bridge = await startBridge(fake.port, options);
  const id = unique();
  const user = `w${id}@example.org`;
  const chan = `#w${id}`;
  const room = `${chan}%test`;
  const nick = `W${id}`;
  await bridge.bridge.send({ kind: 'join', user, resource: 'r1', to: room, nick });
  const client = await fake.client(0);
  const say = (body: string, id: string) =>
    bridge!.bridge.send({ kind: 'message', user, resource: 'r1', to: room, type: 'groupchat', body, id, receiptRequested: false });
  return { b: bridge, client, user, chan, room, nick, say };
}

/** What the server received after the JOIN, without keepalives and WHO. */
const sent = (lines: string[]) => lines.slice(lines.findIndex((l) => l.startsWith('JOIN')) + 1).filter((l) => !/^(PING|WHO) /.test(l));
const reflections = (b: BridgeUnderTest, nick: string) =>
  find(b.t, 'message', (e) => e.type === 'groupchat' && e.fromResource === nick && e.toResource === 'r1');

describe('draft/multiline out', () => {
  it('a multi-line body goes out as one batch and is reflected as one message', async () => {
    const j = await setup(MULTILINE);
    await j.say('one\ntwo\nthree', 'm1');
    await waitFor(() => (sent(j.client.received).length >= 5 ? true : undefined), 'the batch');
    const lines = sent(j.client.received);
    const ref = /^BATCH \+(\S+) draft\/multiline (\S+)$/.exec(lines[0]!);
    expect(ref?.[2]).toBe(j.chan);
    expect(lines.slice(1)).toEqual([
      `@batch=${ref![1]} PRIVMSG ${j.chan} one`,
      `@batch=${ref![1]} PRIVMSG ${j.chan} two`,
      `@batch=${ref![1]} PRIVMSG ${j.chan} three`,
      `BATCH -${ref![1]}`,
    ]);
    const refl = await waitFor(() => reflections(j.b, j.nick)[0], 'the reflection');
    expect(refl).toMatchObject({ body: 'one\ntwo\nthree', id: 'm1' });
    expect(reflections(j.b, j.nick)).toHaveLength(1);
  });

  it('a line longer than one IRC line is split with draft/multiline-concat and read back whole', async () => {
    const j = await setup(MULTILINE);
    const long = 'word '.repeat(150).trim();
    await j.say(`${long}\nend`, 'm2');
    await waitFor(() => (sent(j.client.received).some((l) => l.startsWith('BATCH -')) ? true : undefined), 'the batch');
    const lines = sent(j.client.received);
    expect(lines.filter((l) => /^@batch=\S+;draft\/multiline-concat PRIVMSG /.test(l)).length).toBeGreaterThanOrEqual(1);
    expect((await waitFor(() => reflections(j.b, j.nick)[0], 'the reflection')).body).toBe(`${long}\nend`);
  });

  it('over max-lines the body is cut into several batches at line boundaries (a last single line as a plain PRIVMSG)', async () => {
    const j = await setup(['batch', 'draft/multiline=max-bytes=4096,max-lines=2']);
    await j.say('l1\nl2\nl3\nl4\nl5', 'm3');
    await waitFor(() => (reflections(j.b, j.nick).length >= 3 ? true : undefined), 'three reflections');
    const lines = sent(j.client.received);
    expect(lines.filter((l) => l.startsWith('BATCH +'))).toHaveLength(2);
    expect(lines.at(-1)).toBe(`PRIVMSG ${j.chan} l5`);
    expect(reflections(j.b, j.nick).map((e) => e.body)).toEqual(['l1\nl2', 'l3\nl4', 'l5']);
  });

  it('with echo-message and labeled-response, the echoed batch is reflected once, with the server msgid', async () => {
    const j = await setup([...MULTILINE, 'echo-message', 'labeled-response'], true);
    await j.say('first\nsecond', 'm4');
    const refl = await waitFor(() => reflections(j.b, j.nick)[0], 'the reflection of the echo');
    expect(refl).toMatchObject({ body: 'first\nsecond', id: 'm4', stanzaId: expect.stringMatching(/^fake-/) as unknown as string });
    expect(sent(j.client.received)[0]).toMatch(/^@label=\S+ BATCH \+\S+ draft\/multiline /);
    expect(reflections(j.b, j.nick)).toHaveLength(1);
    expect(j.b.mam(j.user, j.room, { page: {} }).messages.map((m) => m.body)).toEqual(['first\nsecond']);
  });

  it('with echo-message but no labels, the echoed batch is matched by target and text', async () => {
    const j = await setup([...MULTILINE, 'echo-message'], true);
    await j.say('un\ndeux', 'm6');
    const refl = await waitFor(() => reflections(j.b, j.nick)[0], 'the reflection of the echo');
    expect(refl).toMatchObject({ body: 'un\ndeux', id: 'm6', stanzaId: expect.stringMatching(/^fake-/) as unknown as string });
    expect(reflections(j.b, j.nick)).toHaveLength(1);
  });

  it('without the capability, one PRIVMSG per line stays', async () => {
    const j = await setup(['batch', 'server-time']);
    await j.say('one\ntwo', 'm5');
    await waitFor(() => (reflections(j.b, j.nick).length >= 2 ? true : undefined), 'two reflections');
    expect(sent(j.client.received)).toEqual([`PRIVMSG ${j.chan} one`, `PRIVMSG ${j.chan} two`]);
  });
});

describe('draft/multiline in', () => {
  const batch = (ref: string, target: string, lines: string[], tags = '') => [
    `@${tags}msgid=${ref}-id;time=2026-01-01T00:00:00.000Z :Bob!u@fake.host BATCH +${ref} draft/multiline ${target}`,
    ...lines.map((l) =>
      l.startsWith('+')
        ? `@batch=${ref};draft/multiline-concat :Bob!u@fake.host PRIVMSG ${target} :${l.slice(1)}`
        : `@batch=${ref} :Bob!u@fake.host PRIVMSG ${target} :${l}`,
    ),
    `:fake.irc BATCH -${ref}`,
  ];

  it('a batch becomes one XMPP message, in a room and in private, with the batch msgid', async () => {
    const j = await setup(MULTILINE);
    for (const l of batch('in1', j.chan, ['hello', '+ world', 'second line'])) j.client.line(l);
    const got = await expectInbound(j.b.t, 'message', (e) => e.body.startsWith('hello'), 'the multiline message');
    expect(got).toMatchObject({ type: 'groupchat', fromResource: 'Bob', body: 'hello world\nsecond line', stanzaId: 'in1-id' });
    for (const l of batch('in2', j.nick, ['a', 'b'])) j.client.line(l);
    const pm = await expectInbound(j.b.t, 'message', (e) => e.type === 'chat' && e.body === 'a\nb', 'the private multiline message');
    expect(pm).toMatchObject({ from: 'bob%test', stanzaId: 'in2-id' });
    expect(find(j.b.t, 'message', (e) => ['hello', 'a', 'b', 'second line'].includes(e.body))).toEqual([]);
  });

  it('is bounded: a batch over bounds.multiline_lines is cut and says so', async () => {
    const j = await setup(MULTILINE, false, { bounds: { multiline_lines: 3 } });
    for (const l of batch(
      'big',
      j.chan,
      Array.from({ length: 500 }, (_, i) => `line ${i}`),
    ))
      j.client.line(l);
    const got = await expectInbound(j.b.t, 'message', (e) => e.body.startsWith('line 0'), 'the cut message');
    expect(got.body).toBe('line 0\nline 1\nline 2\n[truncated by the gateway: longer than 3 lines or 16384 characters]');
    j.client.line(`:Bob!u@fake.host PRIVMSG ${j.chan} :after`);
    await expectInbound(j.b.t, 'message', (e) => e.body === 'after', 'the next message');
    expect(find(j.b.t, 'message', (e) => /^line [1-9]/.test(e.body))).toEqual([]);
  });
});
