/**
 * A hostile or broken server's answer to CHATHISTORY is bounded (design.md §1.7): a batch that never
 * ends, a reply for another target (or with lines for another target), a batch far over the limit
 * asked. No Debian IRC server has draft/chathistory, and none misbehaves on purpose: the scripted
 * fake IRC server plays it (test/helpers/fake-irc-server.ts, fake-irc-ircv3.ts for TARGETS).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { fakeIrcv3 } from '../../../test/helpers/fake-irc-ircv3.js';
import { startFakeIrcServer, type FakeIrcClient, type FakeIrcServer } from '../../../test/helpers/fake-irc-server.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { expectInbound, find, startBridge, unique, type BridgeUnderTest } from './helpers.js';

const LIMIT = 20;

let fake: FakeIrcServer | undefined;
let bridge: BridgeUnderTest | undefined;
afterEach(async () => {
  await bridge?.close();
  bridge = undefined;
  await fake?.close();
  fake = undefined;
});

/** `answer` plays the server's reply to the channel's CHATHISTORY AFTER; TARGETS gets an honest empty answer. */
async function reconnectWith(answer: (client: FakeIrcClient, chan: string) => void) {
  const v3 = fakeIrcv3();
  const id = unique();
  const chan = `#y${id}`;
  fake = await startFakeIrcServer({
    caps: ['batch', 'server-time', 'message-tags', 'draft/chathistory'],
    members: ['Bob'],
    onLine: (client, line) => {
      if (line.startsWith(`CHATHISTORY AFTER ${chan} `)) {
        answer(client, chan);
        return true;
      }
      return v3.onLine(client, line);
    },
  });
  bridge = await startBridge(fake.port, { chathistory: { max_messages: LIMIT, timeout_ms: 1500 } });
  const user = `y${id}@example.org`;
  const room = `${chan}%test`;
  await bridge.bridge.send({ kind: 'join', user, resource: 'r1', to: room, nick: `Y${id}` });
  (await fake.client(0)).close();
  const c1 = await fake.client(1);
  await c1.expect((l) => l.startsWith(`CHATHISTORY AFTER ${chan} timestamp=`), 'the CHATHISTORY request after the reconnect');
  return { b: bridge, c1, chan, room, user };
}

const line = (ref: string, i: number, target: string, text: string) =>
  `@batch=${ref};msgid=${ref}-${i};time=2026-01-01T00:00:${String(i % 60).padStart(2, '0')}.000Z :Bob!u@fake.host PRIVMSG ${target} :${text}\r\n`;
const notices = (b: BridgeUnderTest, part: string) => find(b.t, 'message', (e) => e.from === 'test' && e.body.includes(part));

describe('a hostile answer to CHATHISTORY', () => {
  it('a batch that never ends is cut at the timeout: the first messages asked are delivered, the rest swallowed', async () => {
    let stop: (() => Promise<void>) | undefined;
    const { b, c1, chan } = await reconnectWith((client, target) => {
      client.line(`:fake.irc BATCH +e1 chathistory ${target}`);
      stop = client.stream((i) => line('e1', i, target, `flood ${i}`)).stop;
    });
    await waitFor(() => notices(b, 'did not end its reply in time')[0], 'the user told the reply was cut', 20_000);
    await stop?.();
    expect(find(b.t, 'message', (e) => e.body.startsWith('flood ')).map((e) => e.body)).toEqual(Array.from({ length: LIMIT }, (_, i) => `flood ${i}`));
    // The gateway goes on: the connection still carries live messages.
    c1.line(`:Bob!u@fake.host PRIVMSG ${chan} :still alive`);
    await expectInbound(b.t, 'message', (e) => e.body === 'still alive', 'a live message after the endless batch', 20_000);
    expect(find(b.t, 'message', (e) => e.body.startsWith('flood ')).length).toBe(LIMIT);
  });

  it('a reply for another target, and lines for another target inside ours, are not delivered into the room', async () => {
    const { b, room } = await reconnectWith((client, target) => {
      client.line(':fake.irc BATCH +w1 chathistory #elsewhere');
      client.send(line('w1', 1, '#elsewhere', 'not asked for'));
      client.line(':fake.irc BATCH -w1');
      client.line(`:fake.irc BATCH +w2 chathistory ${target}`);
      client.send(line('w2', 1, '#other', 'wrong target inside'));
      client.send(line('w2', 2, target, 'the right one'));
      client.line(':fake.irc BATCH -w2');
    });
    await expectInbound(b.t, 'message', (e) => e.body === 'the right one' && e.from === room, 'the message of the room');
    await waitFor(() => notices(b, '1 messages for another conversation were ignored')[0], 'the user told what was ignored');
    expect(find(b.t, 'message', (e) => e.type === 'groupchat' && (e.body === 'not asked for' || e.body === 'wrong target inside'))).toEqual([]);
    expect(find(b.t, 'message', (e) => e.body === 'wrong target inside')).toEqual([]);
  });

  it('a batch far over the limit asked keeps the limit and says how many were dropped', async () => {
    const { b } = await reconnectWith((client, target) => {
      client.line(`:fake.irc BATCH +big chathistory ${target}`);
      const s = client.stream((i) => line('big', i, target, `bulk ${i}`), 5000);
      void s.done.then(() => client.line(':fake.irc BATCH -big'));
    });
    await waitFor(() => notices(b, `4980 messages over the ${LIMIT} asked were dropped`)[0], 'the user told how many were dropped', 30_000);
    expect(find(b.t, 'message', (e) => e.body.startsWith('bulk ')).length).toBe(LIMIT);
  });
});
