// IRCv3 STS (https://ircv3.net/specs/extensions/sts) against a real InspIRCd 3 with m_ssl_gnutls
// and m_ircv3_sts. InspIRCd advertises the persistence policy (duration) only to TLS clients whose
// SNI matches its <sts:host>, so the network is reached as `localhost` (the certificate's CN; the
// gateway sends no SNI for an IP literal). A TCP proxy in front of the plaintext port counts the
// plaintext connections. The certificate is self-signed: the server entry pins its fingerprint,
// which the upgraded TLS connection keeps.
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { memoryKv } from '../../../test/helpers/memory-kv.js';
import { startFaultProxy, type FaultProxy } from '../../../test/helpers/fault-proxy.js';
import { startInspircd, type Inspircd } from '../../../test/helpers/irc-inspircd.js';
import { freePort } from '../../../test/helpers/ports.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { parseStsValue } from '../client/sts.js';
import { StsPolicies, type StsPolicy } from '../sts-policies.js';
import { expectInbound, find, startBridge, unique, type BridgeUnderTest } from './helpers.js';

const DURATION_S = 300;

describe('STS values (sts.ts)', () => {
  it.each([
    ['port=6697', { port: 6697 }],
    ['duration=300', { duration: 300 }],
    ['duration=300,preload', { duration: 300 }],
    ['port=6697,duration=0,unknown=x', { port: 6697, duration: 0 }],
    ['port=0', {}],
    ['port=70000,duration=-1', {}],
    ['port=,duration=abc', {}],
  ])('%s', (value, expected) => {
    expect(parseStsValue(value)).toEqual(expected);
  });
});

describe('STS on InspIRCd 3 (m_ircv3_sts)', () => {
  let ircd: Inspircd;
  let proxy: FaultProxy;
  let b: BridgeUnderTest | undefined;
  beforeAll(async () => {
    ircd = await startInspircd({ tls: { stsDuration: DURATION_S } });
    proxy = await startFaultProxy({ host: '127.0.0.1', port: ircd.port });
  });
  afterAll(async () => {
    await proxy?.down();
    await ircd?.stop();
  });
  afterEach(async () => {
    await b?.close();
    b = undefined;
  });

  const plaintext = () => ({ servers: [{ host: 'localhost', port: proxy.port, tls: false, tls_fingerprint: ircd.fingerprint256 }] });
  const join = async (prefix: string) => {
    const id = unique();
    await b!.bridge.send({ kind: 'join', user: `${prefix}${id}@example.org`, resource: 'r1', to: `#sts${id}%test`, nick: `${prefix}${id}` });
    return expectInbound(b!.t, 'presence', (e) => e.user === `${prefix}${id}@example.org` && !!e.muc?.codes.includes(110), 'joined');
  };
  const policy = () => b!.t.ctx.kv.get<StsPolicy>('sts:localhost');

  it('a plaintext connection that sees sts=port reconnects with TLS there before registering, remembers the policy, and later connects go to TLS directly', async () => {
    const before = proxy.stats.accepted;
    b = await startBridge(proxy.port, {}, plaintext());
    const t0 = Date.now();
    const first = await join('a');
    expect(proxy.stats.accepted).toBe(before + 1);
    expect(find(b.t, 'message', (e) => e.user === first.user && e.body === 'Connected to IRC server (encrypted).')).toHaveLength(1);
    const p = policy();
    expect(p?.port).toBe(ircd.tlsPort);
    expect(p!.expiresAt).toBeGreaterThanOrEqual(t0 + DURATION_S * 1000);
    expect(p!.expiresAt).toBeLessThanOrEqual(Date.now() + DURATION_S * 1000);
    // A second user: straight to the TLS port, the plaintext port never sees it.
    await join('b');
    expect(proxy.stats.accepted).toBe(before + 1);
  });

  it('the policy is stored: after a restart of the bridge, plaintext connects still go to TLS', async () => {
    const before = proxy.stats.accepted;
    b = await startBridge(proxy.port, {}, plaintext(), {
      prepare: (t) => t.ctx.kv.set('sts:localhost', { port: ircd.tlsPort!, expiresAt: Date.now() + 60_000 } satisfies StsPolicy),
    });
    const t0 = Date.now();
    await join('c');
    expect(proxy.stats.accepted).toBe(before);
    // The TLS connection saw duration=300 again: the policy's expiry moved on.
    expect(policy()!.expiresAt).toBeGreaterThanOrEqual(t0 + DURATION_S * 1000);
    // And again when it disconnects (the spec reschedules the expiry then).
    const stopped = Date.now();
    await b.bridge.stop();
    await waitFor(() => policy()!.expiresAt >= stopped + DURATION_S * 1000 || undefined, 'the expiry rescheduled at disconnect');
  });

  it('a policy whose TLS port fails is not downgraded: the join fails with the reason, nothing goes to the plaintext port', async () => {
    const before = proxy.stats.accepted;
    const closed = await freePort();
    b = await startBridge(proxy.port, {}, plaintext(), {
      prepare: (t) => t.ctx.kv.set('sts:localhost', { port: closed, expiresAt: Date.now() + 60_000 } satisfies StsPolicy),
    });
    const id = unique();
    await b.bridge.send({ kind: 'join', user: `d${id}@example.org`, resource: 'r1', to: `#sts${id}%test`, nick: `d${id}` });
    const err = await expectInbound(b.t, 'error', () => true, 'the join error');
    expect(err.condition).toBe('remote-server-not-found');
    expect(err.text).toMatch(new RegExp(`requires TLS on port ${closed} \\(IRCv3 STS\\), so the gateway does not fall back to an unencrypted connection`));
    expect(proxy.stats.accepted).toBe(before);
  });

  it('an expired policy is forgotten: the next connect is plaintext again (and upgraded by the server)', async () => {
    const before = proxy.stats.accepted;
    b = await startBridge(proxy.port, {}, plaintext(), {
      prepare: (t) => t.ctx.kv.set('sts:localhost', { port: 1, expiresAt: Date.now() - 1 } satisfies StsPolicy),
    });
    await join('e');
    expect(proxy.stats.accepted).toBe(before + 1);
    expect(policy()?.port).toBe(ircd.tlsPort);
  });
});

// InspIRCd 3 cannot advertise duration=0 (its <sts:duration> has a minimum: a smaller value, 0
// included, is replaced by its default of 300 s), so the TLS side of the policy is checked here.
describe('remembered STS policies (sts-policies.ts)', () => {
  const tlsServer = { host: 'IRC.Example', port: 6697, tls: true, tls_verify: true };
  const setUp = () => {
    let now = 1_000_000;
    const kv = memoryKv();
    return { kv, policies: new StsPolicies(kv, () => now, pino({ level: 'silent' })), advance: (ms: number) => (now += ms) };
  };

  it('a duration seen over TLS is kept per hostname (case-insensitive) and sends plaintext entries to the TLS port', () => {
    const { policies } = setUp();
    policies.record(tlsServer, { port: 6697, duration: 60 });
    expect(policies.endpoint({ host: 'irc.example', port: 6667, tls: false, tls_verify: true })).toEqual({ host: 'irc.example', port: 6697, tls: true, tls_verify: true, sts: true });
    expect(policies.endpoint({ host: 'other.example', port: 6667, tls: false, tls_verify: true }).tls).toBe(false);
  });

  it('duration=0 over TLS drops the policy; an expired one is dropped when read', () => {
    const { kv, policies, advance } = setUp();
    policies.record(tlsServer, { port: 6697, duration: 60 });
    policies.record(tlsServer, { port: 6697, duration: 0 });
    expect(kv.map.size).toBe(0);
    policies.record(tlsServer, { port: 6697, duration: 60 });
    advance(60_000);
    expect(policies.get('irc.example')).toBeUndefined();
    expect(kv.map.size).toBe(0);
  });

  it('a policy from a TLS connection whose certificate was not checked is ignored', () => {
    const { kv, policies } = setUp();
    policies.record({ ...tlsServer, tls_verify: false }, { port: 6697, duration: 60 });
    expect(kv.map.size).toBe(0);
    policies.record({ ...tlsServer, tls_verify: false, tls_fingerprint: 'AB'.repeat(32) }, { port: 6697, duration: 60 });
    expect(kv.map.size).toBe(1);
  });
});
