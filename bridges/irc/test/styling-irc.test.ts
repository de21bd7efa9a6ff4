// XEP-0393 styling ⇄ IRC formatting through a real ngircd, between the bridge and a native IRC
// user (irc-framework, which hands the text over with its formatting codes).
import { describe, expect, it } from 'vitest';
import { connectNativeIrc } from '../../../test/helpers/irc-native.js';
import { handleEvent } from '../irc-handlers.js';
import { toEvent } from '../client/to-event.js';
import { parseLine } from '../client/line.js';
import { expectInbound, startBridge, unique, useNgircd } from './helpers.js';

const ircd = useNgircd();

async function joined(port: number) {
  const id = unique();
  const b = await startBridge(port);
  const user = `u${id}@example.org`;
  const chan = `#s${id}`;
  const room = `${chan}%test`;
  const nick = `X${id}`;
  await b.bridge.send({ kind: 'join', user, resource: 'r1', to: room, nick, id: 'join1' });
  await expectInbound(b.t, 'presence', (e) => e.fromResource === nick && e.muc?.codes.includes(110) === true, 'self-presence');
  const native = await connectNativeIrc(port, `N${id}`);
  native.client.join(chan);
  await native.expect('join');
  await expectInbound(b.t, 'presence', (e) => e.fromResource === `N${id}`, 'the native user in the room');
  return { ...b, id, user, chan, room, nick, native };
}

describe('XEP-0393 styling ⇄ IRC formatting (ngircd)', () => {
  it('a styled groupchat reaches IRC as bold, italic, strike and monospace, and is reflected as sent', async () => {
    const j = await joined(ircd().port);
    const body = '*bold* _it_ ~gone~ `x*y`';
    await j.bridge.send({ kind: 'message', user: j.user, resource: 'r1', to: j.room, type: 'groupchat', body, id: 's1', receiptRequested: false });
    const got = await j.native.expect('message', (e) => e.nick === j.nick);
    expect(got.message).toBe('\x02bold\x02 \x1dit\x1d \x1egone\x1e \x11x*y\x11');
    const refl = await expectInbound(j.t, 'message', (e) => e.id === 's1', 'the reflection');
    expect(refl.body).toBe(body);
  });

  it('IRC formatting from a native user arrives as XEP-0393; colours go, formatting inside a word keeps its text', async () => {
    const j = await joined(ircd().port);
    j.native.client.say(j.chan, '\x02hello\x02 \x0304,12red\x03 \x1dthere\x1d mid\x02word\x02 \x1fund\x1f');
    const msg = await expectInbound(j.t, 'message', (e) => e.fromResource === `N${j.id}`, 'the styled line');
    expect(msg.body).toBe('*hello* red _there_ midword und');
    j.native.client.say(j.nick, '\x11code\x11 \x1estruck\x1e');
    const pm = await expectInbound(j.t, 'message', (e) => e.type === 'chat' && e.from === `n${j.id}%test`, 'the styled PM');
    expect(pm.body).toBe('`code` ~struck~');
    j.native.client.action(j.chan, 'waves \x02hard\x02');
    const act = await expectInbound(j.t, 'message', (e) => e.body.startsWith('/me '), 'the action');
    expect(act.body).toBe('/me waves *hard*');
  });

  it('a styled private message reaches IRC formatted and is archived in XEP-0393', async () => {
    const j = await joined(ircd().port);
    await j.bridge.send({ kind: 'message', user: j.user, resource: 'r1', to: `n${j.id}%test`, type: 'chat', body: 'see *this*', id: 'p1', receiptRequested: false });
    const got = await j.native.expect('message', (e) => e.nick === j.nick && e.target === `N${j.id}`);
    expect(got.message).toBe('see \x02this\x02');
    const page = j.mam(j.user, `n${j.id}%test`, { page: {} });
    expect(page.messages.map((m) => m.body)).toContain('see *this*');
  });

  it('with echo-message, an echo whose formatting the server stripped (InspIRCd +S) still confirms the line', async () => {
    const j = await joined(ircd().port);
    const s = j.bridge.sessionsOf(j.user)[0]!;
    // ngircd offers no echo-message: the capability is marked on the real connection and the echo fed
    // to the session's event handler, as ircv3.test.ts does.
    (s.conn!.caps as Set<string>).add('echo-message');
    const sent = j.bridge.send({ kind: 'message', user: j.user, resource: 'r1', to: j.room, type: 'groupchat', body: 'a *b*', id: 'e1', receiptRequested: false });
    await j.native.expect('message', (e) => e.nick === j.nick && e.message === 'a \x02b\x02');
    await handleEvent(s, toEvent(parseLine(`:${s.nick}!${s.conn!.user ?? '~u'}@${s.conn!.host ?? '127.0.0.1'} PRIVMSG ${j.chan} :a b`)!)!);
    await sent;
    expect((await expectInbound(j.t, 'message', (e) => e.id === 'e1', 'the reflection')).body).toBe('a *b*');
  });
});
