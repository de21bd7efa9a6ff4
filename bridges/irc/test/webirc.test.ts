/**
 * WEBIRC (https://ircv3.net/specs/extensions/webirc) against servers with a WebIRC block for the
 * gateway: InspIRCd 3 (m_cgiirc, which keeps the address and ignores the host name) and ngircd
 * (WebircPassword, which takes both).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startInspircd, type Inspircd } from '../../../test/helpers/irc-inspircd.js';
import { connectNativeIrc, type NativeIrcUser } from '../../../test/helpers/irc-native.js';
import { startNgircd, type Ngircd } from '../../../test/helpers/irc-ngircd.js';
import { addressInPrefix, jidHash, userCloak } from '../user-ident.js';
import { expectInbound, startBridge, unique, type BridgeUnderTest } from './helpers.js';

const PASSWORD = 'gateway-s3cret';
const CLOAK = { hostname: '{hash}.users.xmpp.test', ip_prefix: '2001:db8:5b::/64' };

let inspircd: Inspircd | undefined;
let ngircd: Ngircd | undefined;
const open: Array<{ close(): Promise<void> } | NativeIrcUser> = [];

beforeAll(async () => {
  [inspircd, ngircd] = await Promise.all([startInspircd({ webircPassword: PASSWORD }), startNgircd({ webircPassword: PASSWORD })]);
});

afterEach(async () => {
  for (const x of open.splice(0).reverse()) await ('quit' in x ? x.quit() : x.close());
});

afterAll(async () => {
  await Promise.all([inspircd?.stop(), ngircd?.stop()]);
});

/** One notation per IPv6 address, whatever the server's (`::` compression or not). */
const expanded = (ip: string) => addressInPrefix(`${ip}/128`, Buffer.alloc(32));

/** The user@host that a native user in the channel sees when the bridged user joins it. */
async function seenOnJoin(b: BridgeUnderTest, port: number, user: string, id: string): Promise<{ ident?: string; hostname?: string }> {
  const native = await connectNativeIrc(port, `N${id}`);
  open.push(native);
  native.client.join(`#w${id}`);
  await native.expect('join', (e) => e.nick === native.nick);
  await b.bridge.send({ kind: 'join', user, resource: 'r1', to: `#w${id}%test`, nick: `X${id}` });
  await expectInbound(b.t, 'presence', (e) => e.user === user && !!e.muc?.codes.includes(110), 'joined', 20_000);
  const join = await native.expect('join', (e) => e.nick === `X${id}`);
  return { ident: join.ident, hostname: join.hostname };
}

describe('WEBIRC with InspIRCd m_cgiirc', () => {
  it("each user's host on IRC is their cloak address from the configured prefix, and the USER name carries {ident}", async () => {
    const b = await startBridge(inspircd!.port, {}, { webirc: { password: PASSWORD, ...CLOAK }, username: '{ident}' });
    open.push(b);
    const id = unique();
    const alice = `alice${id}@example.org`;
    const seen = await seenOnJoin(b, inspircd!.port, alice, id);
    expect(expanded(seen.hostname!)).toBe(userCloak(alice, CLOAK).ip);
    expect(seen.hostname!.startsWith('2001:db8:5b:')).toBe(true);
    // This server looks no idents up (useident="no", prefixunqueried="no"): the USER name, as sent.
    expect(seen.ident).toBe(jidHash(alice));
    const id2 = unique();
    const bob = `bob${id2}@example.org`;
    const seenBob = await seenOnJoin(b, inspircd!.port, bob, id2);
    expect(expanded(seenBob.hostname!)).toBe(userCloak(bob, CLOAK).ip);
    expect(seenBob.hostname).not.toBe(seen.hostname);
  });

  it("a password the network refuses fails the join with the server's reason", async () => {
    const b = await startBridge(inspircd!.port, {}, { webirc: { password: 'wrong', ...CLOAK } });
    open.push(b);
    const id = unique();
    await b.bridge.send({ kind: 'join', user: `u${id}@example.org`, resource: 'r1', to: `#w${id}%test`, nick: `X${id}`, id: 'j' });
    const err = await expectInbound(b.t, 'error', () => true, 'join error');
    expect(err).toMatchObject({ stanza: 'presence', mucJoin: true, id: 'j' });
    expect(err.text).toMatch(/WEBIRC/);
  });

  it('without webirc every user has the gateway host', async () => {
    const b = await startBridge(inspircd!.port);
    open.push(b);
    const id = unique();
    expect((await seenOnJoin(b, inspircd!.port, `u${id}@example.org`, id)).hostname).toBe('127.0.0.1');
  });
});

describe('WEBIRC with ngircd', () => {
  it("each user's host on IRC is their cloak host name", async () => {
    const b = await startBridge(ngircd!.port, {}, { webirc: { password: PASSWORD, ...CLOAK } });
    open.push(b);
    const id = unique();
    const alice = `alice${id}@example.org`;
    expect((await seenOnJoin(b, ngircd!.port, alice, id)).hostname).toBe(`${jidHash(alice)}.users.xmpp.test`);
  });
});
