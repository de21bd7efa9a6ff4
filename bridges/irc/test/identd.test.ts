/**
 * The identd against IRC servers that look idents up: ngircd (`Ident = yes`), InspIRCd 3
 * (m_ident), ircd-hybrid (`disable_auth = no`), ircd-irc2 (iauth's rfc931 module) and ircd-ircu
 * (always). All ask port 113 of the client, with no setting to change it, so the identd listens
 * on 127.0.0.1:113 (the tests run as root): this is the one test file that binds it, and its tests
 * run one after the other.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startInspircd, type Inspircd } from '../../../test/helpers/irc-inspircd.js';
import { connectNativeIrc, type NativeIrcUser } from '../../../test/helpers/irc-native.js';
import { startNgircd, type Ngircd } from '../../../test/helpers/irc-ngircd.js';
import type { TestIrcd } from '../../../test/helpers/ircd-debian-tree.js';
import { jidHash } from '../user-ident.js';
import { expectInbound, startBridge, unique, type BridgeUnderTest } from './helpers.js';
import { MATRIX } from './server-matrix.js';

const IDENTD = { enabled: true, address: '127.0.0.1', port: 113 };

let ngircd: Ngircd | undefined;
let inspircd: Inspircd | undefined;
// The servers of the matrix that ngircd and InspIRCd above do not already stand for.
const others = MATRIX.filter((row) => row.kind !== 'ngircd' && row.kind !== 'InspIRCd 3');
const started = new Map<string, TestIrcd>();
const open: Array<{ close(): Promise<void> } | NativeIrcUser> = [];

beforeAll(async () => {
  [ngircd, inspircd] = await Promise.all([startNgircd({ ident: true, tls: true }), startInspircd({ ident: true })]);
  for (const row of others) started.set(row.kind, await row.start({ ident: true }));
});

afterEach(async () => {
  for (const x of open.splice(0).reverse()) await ('quit' in x ? x.quit() : x.close());
});

afterAll(async () => {
  await Promise.all([ngircd?.stop(), inspircd?.stop(), ...[...started.values()].map((s) => s.stop())]);
});

/** The ident@host that a native user in the channel sees when the bridged user joins it. */
async function identSeenOnJoin(b: BridgeUnderTest, port: number, user: string, id: string): Promise<{ ident?: string; hostname?: string }> {
  const native = await connectNativeIrc(port, `N${id}`);
  open.push(native);
  native.client.join(`#i${id}`);
  await native.expect('join', (e) => e.nick === native.nick);
  await b.bridge.send({ kind: 'join', user, resource: 'r1', to: `#i${id}%test`, nick: `X${id}` });
  await expectInbound(b.t, 'presence', (e) => e.user === user && !!e.muc?.codes.includes(110), 'joined', 20_000);
  const join = await native.expect('join', (e) => e.nick === `X${id}`);
  return { ident: join.ident, hostname: join.hostname };
}

describe.each([
  ['ngircd', () => ngircd!.port],
  ['InspIRCd m_ident', () => inspircd!.port],
  ...others.map((row): [string, () => number] => [row.kind, () => started.get(row.kind)!.port]),
])('identd with %s', (_name, port) => {
  it("the user's username on IRC is the hash of the bare JID, without '~'; another user gets another", async () => {
    const id = unique();
    const b = await startBridge(port(), { identd: IDENTD });
    open.push(b);
    const alice = `alice${id}@example.org`;
    const seen = await identSeenOnJoin(b, port(), alice, id);
    expect(seen.ident).toBe(jidHash(alice));
    const id2 = unique();
    const bob = `bob${id2}@example.org`;
    expect((await identSeenOnJoin(b, port(), bob, id2)).ident).toBe(jidHash(bob));
    expect(jidHash(bob)).not.toBe(jidHash(alice));
  });

  it('a configured template: the local part of the JID', async () => {
    const id = unique();
    const b = await startBridge(port(), { identd: { ...IDENTD, ident: 'x{local}' } });
    open.push(b);
    expect((await identSeenOnJoin(b, port(), `u${id}@example.org`, id)).ident).toBe(`xu${id}`.slice(0, 10));
  });

  it("without the identd the server finds no ident: the username is the USER one with '~'", async () => {
    const id = unique();
    const b = await startBridge(port(), {}, { username: 'plain' });
    open.push(b);
    expect((await identSeenOnJoin(b, port(), `u${id}@example.org`, id)).ident).toBe('~plain');
  });
});

describe('identd and TLS', () => {
  it('a TLS connection is answered too (its ports are entered at TCP connect, before the TLS handshake)', async () => {
    const id = unique();
    const tls = { servers: [{ host: '127.0.0.1', port: ngircd!.tlsPort, tls: true, tls_fingerprint: ngircd!.fingerprint256 }] };
    const b = await startBridge(ngircd!.port, { identd: IDENTD }, tls);
    open.push(b);
    const user = `t${id}@example.org`;
    expect((await identSeenOnJoin(b, ngircd!.port, user, id)).ident).toBe(jidHash(user));
  });
});
