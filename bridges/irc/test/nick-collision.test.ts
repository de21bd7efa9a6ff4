import { afterEach, describe, expect, it } from 'vitest';
import { startFakeIrcServer, type FakeIrcServer } from '../../../test/helpers/fake-irc-server.js';
import { connectNativeIrc, type NativeIrcUser } from '../../../test/helpers/irc-native.js';
import { alternativeNick, MAX_NICK_TRIES, NickAlternatives } from '../client/nick-alternatives.js';
import { parseLine } from '../client/line.js';
import { registrationError } from '../client/connect-errors.js';
import { expectInbound, startBridge, unique, useNgircd, type BridgeUnderTest } from './helpers.js';

const ircd = useNgircd();

describe('alternative nicks at registration (nick-alternatives.ts)', () => {
  const inUse = parseLine(':irc.test 433 * Nick :Nickname is already in use')!;

  it('nick_, then nick_2, nick_3…, cut to the nick length', () => {
    expect(alternativeNick('Nick', 1, 9)).toBe('Nick_');
    expect(alternativeNick('Nick', 2, 9)).toBe('Nick_2');
    expect(alternativeNick('Ninechars', 1, 9)).toBe('Ninechar_');
    expect(alternativeNick('Ninechars', 3, 9)).toBe('Ninecha_3');
    expect(alternativeNick('Ninechars', 1, 30)).toBe('Ninechars_');
  });

  it('tries at most MAX_NICK_TRIES times, within NICKLEN when known, else 9 (RFC 1459)', () => {
    const alt = new NickAlternatives('Ninechars', 'alternative');
    const tried = Array.from({ length: MAX_NICK_TRIES + 1 }, (_, i) => alt.next(inUse, false, i === 0 ? undefined : 12));
    expect(tried).toEqual(['Ninechar_', 'Ninechars_2', 'Ninechars_3', 'Ninechars_4', 'Ninechars_5', undefined]);
  });

  it('the conflict policy, other numerics and registered connections get no alternative', () => {
    expect(new NickAlternatives('Nick', 'conflict').next(inUse, false, undefined)).toBeUndefined();
    expect(new NickAlternatives('Nick', 'alternative').next(inUse, true, undefined)).toBeUndefined();
    expect(new NickAlternatives('Nick', 'alternative').next(parseLine(':irc.test 432 * Nick :Erroneous nickname')!, false, undefined)).toBeUndefined();
    expect(new NickAlternatives('Nick', 'alternative').next(parseLine(':irc.test 436 * Nick :Nickname collision KILL')!, false, undefined)).toBe('Nick_');
  });

  it('437 (nick temporarily unavailable, RFC 2812 §5.2) gets the alternative like 433', () => {
    const unavailable = parseLine(':irc.test 437 * Nick :Nick/channel is temporarily unavailable')!;
    expect(new NickAlternatives('Nick', 'alternative').next(unavailable, false, undefined)).toBe('Nick_');
  });
});

describe('a nick collision under the default policy (connect-errors.ts)', () => {
  it('ends the registration with conflict on 433, 436 (nick collision) and 437 (unavailable, RFC 2812 §5.2), and not after it', () => {
    for (const numeric of ['433', '436', '437']) {
      const line = parseLine(`:irc.example ${numeric} * Taken :Nickname is already in use`)!;
      expect(registrationError(line, false, 'Taken')).toMatchObject({ condition: 'conflict' });
      expect(registrationError(line, true, 'Taken')).toBeUndefined();
    }
  });
});

describe('nick_collision at registration (ngircd)', () => {
  let natives: NativeIrcUser[] = [];
  let bridge: BridgeUnderTest | undefined;
  afterEach(async () => {
    await Promise.all(natives.map((n) => n.quit()));
    natives = [];
    await bridge?.close();
    bridge = undefined;
  });

  it("with 'alternative', a join as a nick a native user holds completes as nick_ with 210", async () => {
    const id = unique();
    const holder = await connectNativeIrc(ircd().port, `N${id}`);
    const watcher = await connectNativeIrc(ircd().port, `W${id}`);
    natives = [holder, watcher];
    watcher.client.join(`#c${id}`);
    await watcher.expect('join', (e) => e.nick === watcher.nick);
    bridge = await startBridge(ircd().port, {}, { nick_collision: 'alternative' });
    await bridge.bridge.send({ kind: 'join', user: `u${id}@example.org`, resource: 'r1', to: `#c${id}%test`, nick: `N${id}` });
    const self = await expectInbound(bridge.t, 'presence', (e) => !!e.muc?.codes.includes(110), 'joined');
    expect(self.fromResource).toBe(`N${id}_`);
    expect(self.muc?.codes).toEqual([110, 100, 210]);
    await watcher.expect('join', (e) => e.nick === `N${id}_` && e.channel === `#c${id}`);
  });

  it("with 'alternative', nick_ taken too gives nick_2 within ngircd's 9 characters", async () => {
    const id = unique();
    const nick = `N${id}`.padEnd(9, 'x').slice(0, 9);
    natives = [await connectNativeIrc(ircd().port, nick), await connectNativeIrc(ircd().port, `${nick.slice(0, 8)}_`)];
    bridge = await startBridge(ircd().port, {}, { nick_collision: 'alternative' });
    await bridge.bridge.send({ kind: 'join', user: `u${id}@example.org`, resource: 'r1', to: `#d${id}%test`, nick });
    const self = await expectInbound(bridge.t, 'presence', (e) => !!e.muc?.codes.includes(110), 'joined');
    expect(self.fromResource).toBe(`${nick.slice(0, 7)}_2`);
    expect(self.muc?.codes).toEqual([110, 100, 210]);
  });

  it("with 'alternative', the base nick and all 5 alternatives held (6 users) gives conflict", async () => {
    const id = unique();
    // 7 characters: every alternative up to nick_5 fits ngircd's NICKLEN of 9 uncut.
    const nick = `N${id}`.padEnd(7, 'x').slice(0, 7);
    const held = [nick, ...Array.from({ length: MAX_NICK_TRIES }, (_, i) => alternativeNick(nick, i + 1, 9))];
    expect(held).toEqual([nick, `${nick}_`, `${nick}_2`, `${nick}_3`, `${nick}_4`, `${nick}_5`]);
    natives = await Promise.all(held.map((n) => connectNativeIrc(ircd().port, n)));
    bridge = await startBridge(ircd().port, {}, { nick_collision: 'alternative' });
    await bridge.bridge.send({ kind: 'join', user: `u${id}@example.org`, resource: 'r1', to: `#f${id}%test`, nick });
    const err = await expectInbound(bridge.t, 'error', () => true, 'conflict');
    expect(err.condition).toBe('conflict');
    expect(err.text).toContain(`${nick}_5`);
  });

  it('by default a nick in use at registration still fails the join with conflict', async () => {
    const id = unique();
    natives = [await connectNativeIrc(ircd().port, `N${id}`)];
    bridge = await startBridge(ircd().port);
    await bridge.bridge.send({ kind: 'join', user: `u${id}@example.org`, resource: 'r1', to: `#e${id}%test`, nick: `N${id}` });
    const err = await expectInbound(bridge.t, 'error', () => true, 'conflict');
    expect(err.condition).toBe('conflict');
  });
});

// ngircd and InspIRCd answer a nick in use with 433; 437 (a nick held after a split, or by a
// services enforcer) is played by the fake IRC server.
describe('437 at registration (fake IRC server)', () => {
  let fake: FakeIrcServer | undefined;
  let bridge: BridgeUnderTest | undefined;
  afterEach(async () => {
    await bridge?.close();
    await fake?.close();
    bridge = undefined;
    fake = undefined;
  });

  it("with 'alternative', a nick temporarily unavailable (437) completes as nick_ with 210", async () => {
    const id = unique();
    fake = await startFakeIrcServer({ refuseNick: (n) => (n === `H${id}` ? '437' : undefined) });
    bridge = await startBridge(fake.port, {}, { nick_collision: 'alternative' });
    await bridge.bridge.send({ kind: 'join', user: `u${id}@example.org`, resource: 'r1', to: `#g${id}%test`, nick: `H${id}` });
    const self = await expectInbound(bridge.t, 'presence', (e) => !!e.muc?.codes.includes(110), 'joined');
    expect(self.fromResource).toBe(`H${id}_`);
    expect(self.muc?.codes).toContain(210);
  });

  it('by default 437 fails the join with conflict at once, not after the connect timeout', async () => {
    const id = unique();
    fake = await startFakeIrcServer({ refuseNick: (n) => (n === `H${id}` ? '437' : undefined) });
    bridge = await startBridge(fake.port, {}, { connect_timeout_ms: 60_000 });
    await bridge.bridge.send({ kind: 'join', user: `u${id}@example.org`, resource: 'r1', to: `#h${id}%test`, nick: `H${id}` });
    const err = await expectInbound(bridge.t, 'error', () => true, 'conflict', 15_000);
    expect(err.condition).toBe('conflict');
  });
});
