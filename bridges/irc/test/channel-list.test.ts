import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { connectNativeIrc } from '../../../test/helpers/irc-native.js';
import { pageOf } from '../channel-list.js';
import { expectInbound, startBridge, unique, useNgircd } from './helpers.js';

describe('RSM paging of lists (XEP-0059)', () => {
  const items = Array.from({ length: 10 }, (_, i) => `#c${i}%net`);
  const names = items.map((i) => i.split('%')[0]!);

  it.each([
    [{ max: 3 }, ['#c0%net', '#c1%net', '#c2%net'], 0],
    [{ max: 3, after: '#c2%net@irc.localhost' }, ['#c3%net', '#c4%net', '#c5%net'], 3],
    [{ max: 3, after: '#c8%net' }, ['#c9%net'], 9],
    [{ max: 3, after: '#c9%net' }, [], 10],
    [{ max: 2, before: '' }, ['#c8%net', '#c9%net'], 8],
    [{ max: 2, before: '#c5%net' }, ['#c3%net', '#c4%net'], 3],
    [{ index: 6, max: 3 }, ['#c6%net', '#c7%net', '#c8%net'], 6],
    [{ max: 0 }, [], 0],
  ])('%j', (req, expected, firstIndex) => {
    const page = pageOf(items, names, req, 'irc.localhost');
    expect(page.items.map((i) => i.localpart)).toEqual(expected);
    expect(page.count).toBe(10);
    if (expected.length) expect(page.firstIndex).toBe(firstIndex);
  });

  it('caps a page at 100 items by default and refuses an unknown "after"', () => {
    const many = Array.from({ length: 111 }, (_, i) => `#x${String(i).padStart(3, '0')}%n`);
    expect(pageOf(many, many, {}, 'd').items).toHaveLength(100);
    expect(() => pageOf(items, names, { after: 'DUMMY_ID' }, 'd')).toThrow(expect.objectContaining({ condition: 'item-not-found' }));
  });
});

describe('channel list and per-user settings (ngircd)', () => {
  const ircd = useNgircd();

  it('disco#items on the network JID lists the channels from IRC LIST', async () => {
    const id = unique();
    const native = await connectNativeIrc(ircd().port, `N${id}`);
    for (const c of ['a', 'b', 'c']) native.client.join(`#${c}${id}`);
    await native.expect('join', (e) => e.channel === `#c${id}`);
    const b = await startBridge(ircd().port);
    const page = await b.bridge.listItems(`u${id}@example.org`, 'test', { max: 100 });
    const mine = page.items.filter((i) => i.localpart.endsWith(`${id}%test`)).map((i) => i.localpart);
    expect(mine).toEqual([`#a${id}%test`, `#b${id}%test`, `#c${id}%test`]);
    const gw = await b.bridge.listItems(`u${id}@example.org`, '', {});
    expect(gw.items.map((i) => i.localpart)).toEqual(['test']);
  });

  it('the configure command sets the nick used on the next connection and never shows the SASL password', async () => {
    const id = unique();
    // A SASL password is stored only with a key (secrets.test.ts).
    const b = await startBridge(ircd().port, {}, {}, { secretKey: randomBytes(32) });
    const user = `u${id}@example.org`;
    const cmd = b.bridge.commands.find((c) => c.node === 'configure')!;
    expect(cmd.appliesTo('test')).toBe(true);
    expect(cmd.appliesTo('#chan%test')).toBe(false);
    const first = await cmd.run({ user, from: `${user}/r`, localpart: 'test', action: 'execute' });
    expect(first.status).toBe('executing');
    await cmd.run({ user, from: `${user}/r`, localpart: 'test', action: 'complete', values: { nick: [`Cfg${id}`], sasl_password: ['s3cret'] } });
    const again = await cmd.run({ user, from: `${user}/r`, localpart: 'test', action: 'execute' });
    expect(JSON.stringify(again)).not.toContain('s3cret');
    await expect(cmd.run({ user, from: `${user}/r`, localpart: 'test', action: 'complete', values: { nick: ['bad nick'] } })).rejects.toMatchObject({ condition: 'bad-request' });
    await b.bridge.send({ kind: 'join', user, resource: 'r1', to: `#cfg${id}%test`, nick: 'Asked' });
    const self = await expectInbound(b.t, 'presence', (e) => !!e.muc?.codes.includes(110), 'self-presence');
    expect(self.fromResource).toBe(`Cfg${id}`);
    expect(self.muc?.codes).toContain(210);
  });

  it('after-connect commands of the user run on the next connection, one IRC line each', async () => {
    const id = unique();
    const b = await startBridge(ircd().port);
    const user = `u${id}@example.org`;
    const native = await connectNativeIrc(ircd().port, `N${id}`);
    const cmd = b.bridge.commands.find((c) => c.node === 'configure' && c.appliesTo('test'))!;
    const run = (values: Record<string, string[]>) => cmd.run({ user, from: `${user}/r`, localpart: 'test', action: 'complete', values });
    await expect(run({ after_connect_commands: ['/msg NickServ IDENTIFY pw'] })).rejects.toMatchObject({ condition: 'bad-request' });
    await expect(run({ after_connect_commands: Array.from({ length: 21 }, (_, i) => `PRIVMSG x :${i}`) })).rejects.toMatchObject({ condition: 'bad-request' });
    // A value with a line break is two commands, each checked; NUL is removed.
    await run({ nick: [`Ac${id}`], after_connect_commands: [`PRIVMSG N${id} :hello from {nick}\r\nPRIVMSG N${id} :sec\0ond`] });
    const form = await cmd.run({ user, from: `${user}/r`, localpart: 'test', action: 'execute' });
    expect(form.status === 'executing' && form.form.fields.find((f) => f.var === 'after_connect_commands')?.values).toEqual([`PRIVMSG N${id} :hello from {nick}`, `PRIVMSG N${id} :second`]);
    await b.bridge.send({ kind: 'join', user, resource: 'r1', to: `#ac${id}%test`, nick: 'Asked' });
    await native.expect('message', (e) => e.message === `hello from Ac${id}`);
    await native.expect('message', (e) => e.message === 'second');
  });

  it('global defaults on the gateway JID: history and persistence for every channel, under a channel’s own settings', async () => {
    const id = unique();
    const b = await startBridge(ircd().port);
    const user = `u${id}@example.org`;
    const global = b.bridge.commands.find((c) => c.node === 'configure' && c.appliesTo(''))!;
    expect(global.appliesTo('test')).toBe(false);
    const form = await global.run({ user, from: `${user}/r`, localpart: '', action: 'execute' });
    expect(form.status === 'executing' && form.form.title).toBe('Configure some global default settings.');
    expect(form.status === 'executing' && form.form.fields.map((f) => [f.var, f.values?.[0]])).toEqual([['max_history_length', '20'], ['record_history', '1'], ['persistent', '0']]);
    await expect(global.run({ user, from: `${user}/r`, localpart: '', action: 'complete', values: { max_history_length: ['lots'] } })).rejects.toMatchObject({ condition: 'bad-request' });
    await expect(global.run({ user, from: `${user}/r`, localpart: '', action: 'complete', values: { persistent: ['maybe'] } })).rejects.toMatchObject({ condition: 'bad-request' });
    const done = await global.run({ user, from: `${user}/r`, localpart: '', action: 'complete', values: { max_history_length: ['5'], record_history: ['0'], persistent: ['true'] } });
    expect(done).toMatchObject({ status: 'completed', note: { text: 'Configuration successfully applied.' } });
    const room = `#gd${id}%test`;
    await b.bridge.send({ kind: 'join', user, resource: 'r1', to: room, nick: `G${id}` });
    const owner = await b.owner.form(user, room);
    expect(owner.fields.filter((f) => f.var !== 'FORM_TYPE').map((f) => [f.var, f.values?.[0]])).toEqual([['persistent', '1'], ['record_history', '0'], ['max_history_length', '5']]);
    // The channel's own setting wins over the user's default.
    await b.owner.submit(user, room, { record_history: ['1'] });
    const after = await b.owner.form(user, room);
    expect(after.fields.find((f) => f.var === 'record_history')?.values).toEqual(['1']);
    expect(after.fields.find((f) => f.var === 'persistent')?.values).toEqual(['1']);
  });
});
