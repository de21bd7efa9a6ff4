import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectNativeIrc } from '../../../test/helpers/irc-native.js';
import { startNgircd, type Ngircd } from '../../../test/helpers/irc-ngircd.js';
import { pageOf } from '../channel-list.js';
import { expectInbound, startBridge, unique } from './helpers.js';

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
  let ircd: Ngircd;
  beforeAll(async () => {
    ircd = await startNgircd();
  });
  afterAll(async () => {
    await ircd?.stop();
  });

  it('disco#items on the network JID lists the channels from IRC LIST', async () => {
    const id = unique();
    const native = await connectNativeIrc(ircd.port, `N${id}`);
    for (const c of ['a', 'b', 'c']) native.client.join(`#${c}${id}`);
    await native.expect('join', (e) => e.channel === `#c${id}`);
    const b = await startBridge(ircd.port);
    const page = await b.bridge.listItems(`u${id}@example.org`, 'test', { max: 100 });
    const mine = page.items.filter((i) => i.localpart.endsWith(`${id}%test`)).map((i) => i.localpart);
    expect(mine).toEqual([`#a${id}%test`, `#b${id}%test`, `#c${id}%test`]);
    const gw = await b.bridge.listItems(`u${id}@example.org`, '', {});
    expect(gw.items.map((i) => i.localpart)).toEqual(['test']);
    await native.quit();
    await b.close();
  });

  it('the configure command sets the nick used on the next connection and never shows the SASL password', async () => {
    const id = unique();
    const b = await startBridge(ircd.port);
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
    await b.close();
  });
});
