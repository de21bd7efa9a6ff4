// muc#admin bans (XEP-0045 §9.1, affiliation outcast) as IRC channel bans on real ngircd: +b with
// a mask that cannot hit other users of the same host, then a KICK; the banned user cannot rejoin.
import { describe, expect, it } from 'vitest';
import { connectNativeIrc } from '../../../test/helpers/irc-native.js';
import { banMask, isBanned, noteBan } from '../bans.js';
import { expectInbound, startBridge, unique, useNgircd } from './helpers.js';

const ircd = useNgircd();

describe('ban masks', () => {
  it('match members with * and ? under the casemapping', () => {
    const room = { channel: '#c', localpart: '#c%net', joined: true };
    const fold = (x: string) => x.toLowerCase();
    const member = { nick: 'Mallory', modes: new Set<string>(), user: '~m', host: 'evil.example' };
    expect(isBanned(room, member, fold)).toBe(false);
    noteBan(room, '*!*@*.EXAMPLE', true, fold);
    expect(isBanned(room, member, fold)).toBe(true);
    noteBan(room, '*!*@*.example', false, fold);
    noteBan(room, 'mallor?!*@*', true, fold);
    expect(isBanned(room, member, fold)).toBe(true);
    expect(isBanned(room, { ...member, nick: 'Mallory2' }, fold)).toBe(false);
    noteBan(room, 'a.b+c!*@*', true, fold); // regex characters in a mask are literal
    expect(isBanned(room, { nick: 'aXb+c', modes: new Set<string>() }, fold)).toBe(false);
  });

  it('use a verified ident with the host, else the nick alone (never *!*@host)', () => {
    expect(banMask({ nick: 'Mallory', modes: new Set(), user: 'e842917e96', host: 'gw.example.org' })).toBe('*!e842917e96@gw.example.org');
    expect(banMask({ nick: 'Mallory', modes: new Set(), user: '~mallory', host: 'gw.example.org' })).toBe('Mallory!*@*');
    expect(banMask({ nick: 'Mallory', modes: new Set() })).toBe('Mallory!*@*');
  });
});

describe('bans through muc#admin (ngircd)', () => {
  it('outcast sets +b and kicks; the banned user sees 307 on the bridge side and 474 when rejoining', async () => {
    const id = unique();
    const b = await startBridge(ircd().port);
    const user = `u${id}@example.org`;
    const chan = `#b${id}`;
    const room = `${chan}%test`;
    await b.bridge.send({ kind: 'join', user, resource: 'r1', to: room, nick: `X${id}` });
    await expectInbound(b.t, 'presence', (e) => e.from === room && e.muc?.codes.includes(110) === true, 'joined as channel creator (op)');
    const native = await connectNativeIrc(ircd().port, `N${id}`);
    native.client.join(chan);
    await expectInbound(b.t, 'presence', (e) => e.fromResource === native.nick, 'native joins');

    await b.bridge.send({ kind: 'moderate', user, resource: 'r1', to: room, nick: native.nick, affiliation: 'outcast', reason: 'spam' });
    const mode = await native.expect('mode', (e) => JSON.stringify(e).includes('+b'));
    expect(JSON.stringify(mode)).toContain(`N${id}!*@*`);
    const kick = await native.expect('kick', (e) => e.kicked === native.nick);
    expect(kick.message).toBe('spam');
    const gone = await expectInbound(b.t, 'presence', (e) => e.type === 'unavailable' && e.fromResource === native.nick, 'the banned occupant leaves');
    // XEP-0045 §9.1: a banned occupant leaves with 301 and affiliation outcast (a plain kick is 307).
    expect(gone.muc).toMatchObject({ codes: [301], affiliation: 'outcast', role: 'none', actor: `X${id}`, reason: 'spam' });

    native.client.join(chan);
    await native.expect('irc error', (e) => e.error === 'banned_from_channel' || JSON.stringify(e).includes('474'));
  });

  it('a ban refused by the server (not an operator: 482) fails with forbidden and kicks nobody', async () => {
    const id = unique();
    const native = await connectNativeIrc(ircd().port, `N${id}`);
    const chan = `#r${id}`;
    native.client.join(chan);
    await native.expect('join', (e) => e.channel === chan);
    const b = await startBridge(ircd().port);
    const user = `u${id}@example.org`;
    const room = `${chan}%test`;
    await b.bridge.send({ kind: 'join', user, resource: 'r1', to: room, nick: `X${id}` });
    await expectInbound(b.t, 'presence', (e) => e.from === room && e.muc?.codes.includes(110) === true, 'joined');
    await expect(b.bridge.send({ kind: 'moderate', user, resource: 'r1', to: room, nick: native.nick, affiliation: 'outcast' })).rejects.toMatchObject({
      condition: 'forbidden',
    });
    expect(native.events.filter((e) => e.event === 'kick')).toEqual([]);
  });
});
