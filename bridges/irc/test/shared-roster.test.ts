import { describe, expect, it } from 'vitest';
import { connectNativeIrc } from '../../../test/helpers/irc-native.js';
import { waitFor } from '../../../test/helpers/wait.js';
import type { Member } from '../member.js';
import { ChannelRoster, RosterRegistry } from '../roster.js';
import { find, startBridge, unique, useNgircd } from './helpers.js';

const member = (nick: string, modes: string[] = []): Member => ({ nick, modes: new Set(modes) });

describe('shared channel member list (one per network and channel)', () => {
  it('applies the same event from several sessions once, and still answers the late ones', () => {
    const r = new ChannelRoster();
    const first = r.join('bob', member('Bob'));
    const again = r.join('bob', { ...member('Bob'), user: 'b', host: 'h' });
    expect(again).toBe(first);
    expect(first).toMatchObject({ user: 'b', host: 'h' });
    expect(r.size).toBe(1);

    first!.modes.add('o');
    expect(r.rename('bob', 'rob', 'Rob')?.modes.has('o')).toBe(true);
    // A second session reads the same NICK: the renamed member, not nothing.
    expect(r.rename('bob', 'rob', 'Rob')?.nick).toBe('Rob');
    expect(r.knows('bob')).toBe(true);
    expect(r.get('bob')).toBeUndefined();

    expect(r.leave('rob')?.modes.has('o')).toBe(true);
    // The late session's PART still finds who left, with the modes for its presence.
    expect(r.leave('rob')?.nick).toBe('Rob');
    expect(r.size).toBe(0);
    expect(r.leave('nobody')).toBeUndefined();
  });

  it('forgets members who left after a minute', () => {
    let now = 0;
    const r = new ChannelRoster(() => now);
    r.join('a', member('A'));
    r.leave('a');
    now = 61_000;
    r.join('b', member('B'));
    r.leave('b'); // pruning happens when another member leaves
    expect(r.knows('a')).toBe(false);
    expect(r.knows('b')).toBe(true);
  });

  it('a NAMES reply resets the list and keeps known user@host and away', () => {
    const r = new ChannelRoster();
    r.join('a', { ...member('A'), user: 'ua', host: 'ha', away: 'lunch' });
    r.join('gone', member('Gone'));
    r.replace(new Map([['a', member('A', ['v'])], ['c', member('C')]]));
    expect([...r.members.keys()]).toEqual(['a', 'c']);
    expect(r.get('a')).toMatchObject({ user: 'ua', host: 'ha', away: 'lunch' });
    expect(r.get('a')?.modes.has('v')).toBe(true);
  });

  it('a registry keeps a list while a session holds it', () => {
    const reg = new RosterRegistry();
    const s1 = {};
    const s2 = {};
    const a = reg.acquire('#x', s1);
    expect(reg.acquire('#x', s2)).toBe(a);
    a.join('n', member('N'));
    reg.release('#x', s1);
    reg.release('#x', s1); // idempotent
    expect(reg.entries()).toBe(1);
    reg.release('#x', s2);
    expect(reg.entries()).toBe(0);
    expect(reg.acquire('#x', s1)).not.toBe(a);
  });
});

describe('shared member list with several bridged users (ngircd)', () => {
  const ircd = useNgircd();

  it('every user sees each JOIN, MODE, NICK, KICK and QUIT once, from one list per channel', async () => {
    const id = unique();
    const b = await startBridge(ircd().port);
    const chan = `#s${id}`;
    const room = `${chan}%test`;
    const users = [1, 2, 3].map((i) => ({ user: `u${i}x${id}@example.org`, nick: `B${i}x${id}` }));
    for (const u of users) await b.bridge.send({ kind: 'join', user: u.user, resource: 'r', to: room, nick: u.nick });
    const native = await connectNativeIrc(ircd().port, `N${id}`);
    native.client.join(chan);
    const all = (pred: (u: (typeof users)[number]) => boolean, what: string) => waitFor(() => users.every(pred), what);
    const seen = (u: { user: string }, pred: Parameters<typeof find<'presence'>>[2]) => find(b.t, 'presence', (e) => e.user === u.user && e.from === room && pred!(e));
    await all((u) => seen(u, (e) => e.fromResource === native.nick && e.type === 'available').length === 1, 'everyone sees the native join');
    // Three bridged users and one native user: four entries, not one list of four per user.
    expect(b.bridge.memberEntries()).toBe(4);

    // The first bridged user created the channel: it is an operator and voices the native user.
    await b.bridge.send({ kind: 'moderate', user: users[0]!.user, resource: 'r', to: room, nick: native.nick, role: 'participant' });
    await all((u) => seen(u, (e) => e.fromResource === native.nick && e.type === 'available' && e.muc?.affiliation === 'member').length === 1, 'everyone sees the voice');

    native.client.changeNick(`M${id}`);
    await all((u) => seen(u, (e) => e.fromResource === `M${id}` && e.type === 'available').length === 1, 'everyone sees the new nick');
    for (const u of users) {
      const gone = seen(u, (e) => e.fromResource === native.nick && e.type === 'unavailable');
      expect(gone).toHaveLength(1);
      expect(gone[0]!.muc).toMatchObject({ nick: `M${id}`, codes: [303] });
      // The voice survives the nick change in every user's view.
      expect(seen(u, (e) => e.fromResource === `M${id}` && e.type === 'available')[0]!.muc?.affiliation).toBe('member');
    }

    const kicked = await connectNativeIrc(ircd().port, `K${id}`);
    kicked.client.join(chan);
    await all((u) => seen(u, (e) => e.fromResource === kicked.nick && e.type === 'available').length === 1, 'everyone sees the second join');
    await b.bridge.send({ kind: 'moderate', user: users[0]!.user, resource: 'r', to: room, nick: kicked.nick, role: 'none', reason: 'out' });
    await all((u) => seen(u, (e) => e.fromResource === kicked.nick && e.type === 'unavailable' && !!e.muc?.codes.includes(307)).length === 1, 'everyone sees the kick');
    await kicked.quit();

    native.client.quit('bye all');
    await all((u) => seen(u, (e) => e.fromResource === `M${id}` && e.type === 'unavailable').length === 1, 'everyone sees the quit');
    for (const u of users) expect(seen(u, (e) => e.fromResource === `M${id}` && e.type === 'unavailable')[0]!.status).toMatch(/bye all/);
    expect(b.bridge.memberEntries()).toBe(3);

    // One user leaves: the others keep the list; the last one out frees it.
    await b.bridge.send({ kind: 'leave', user: users[2]!.user, resource: 'r', to: room });
    await all((u) => u === users[2] || seen(u, (e) => e.fromResource === users[2]!.nick && e.type === 'unavailable').length === 1, 'the others see the leave');
    expect(b.bridge.memberEntries()).toBe(2);
    for (const u of users.slice(0, 2)) await b.bridge.send({ kind: 'leave', user: u.user, resource: 'r', to: room });
    await waitFor(() => b.bridge.memberEntries() === 0, 'no list left');
  });

  it('the away state of occupants comes from one WHO on the first join, and later joiners see it at once', async () => {
    const id = unique();
    const b = await startBridge(ircd().port);
    const chan = `#w${id}`;
    const room = `${chan}%test`;
    const native = await connectNativeIrc(ircd().port, `N${id}`);
    native.client.join(chan);
    await native.expect('join');
    // Sent before the bridge even connects: ngircd has it before the bridge's WHO.
    native.client.raw('AWAY', 'brb');
    const first = `a${id}@example.org`;
    await b.bridge.send({ kind: 'join', user: first, resource: 'r', to: room, nick: `A${id}` });
    const away = await waitFor(() => find(b.t, 'presence', (e) => e.user === first && e.fromResource === native.nick && e.show === 'away')[0], 'away from WHO');
    expect(away).toMatchObject({ type: 'available', status: 'Away' });
    const second = `c${id}@example.org`;
    await b.bridge.send({ kind: 'join', user: second, resource: 'r', to: room, nick: `C${id}` });
    const initial = await waitFor(() => find(b.t, 'presence', (e) => e.user === second && e.fromResource === native.nick)[0], 'second user sees the native user');
    expect(initial).toMatchObject({ show: 'away', status: 'Away' });
  });
});

describe('member list bound (bounds.channel_members)', () => {
  it('refuses members beyond the cap and says it is truncated; departed members are bounded too', () => {
    const r = new ChannelRoster(() => 0, 3);
    for (const n of ['a', 'b', 'c']) expect(r.join(n, member(n))).toBeDefined();
    expect(r.truncated).toBe(false);
    expect(r.join('d', member('d'))).toBeUndefined();
    expect(r.truncated).toBe(true);
    expect(r.size).toBe(3);
    // A member already listed is still found (a second session applying the same JOIN).
    expect(r.join('a', member('a'))?.nick).toBe('a');
    // A flood of distinct nicks joining and leaving within a minute keeps at most `cap` departed.
    for (let i = 0; i < 100; i++) {
      r.leave('a');
      r.join(`x${i}`, member(`x${i}`));
      r.leave(`x${i}`);
    }
    expect(['a', ...Array.from({ length: 100 }, (_, i) => `x${i}`)].filter((k) => r.knows(k)).length).toBeLessThanOrEqual(3);
  });
});
