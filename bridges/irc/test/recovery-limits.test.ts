// Many sessions of one network recovering together (issue 10): while the server refuses, one
// readiness probe serves them all; when it listens again they reconnect within the network's
// connect limit (never more registrations at once than `max_concurrent_connects`), and every
// user's channel is still rejoined within 3 s. Adapter level, against ngircd behind the fault proxy.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy } from '../../../test/helpers/fault-proxy.js';
import { sleep, waitFor } from '../../../test/helpers/wait.js';
import { find, startBridge, unique, useNgircd, type BridgeUnderTest } from './helpers.js';

const USERS = 6;
const LIMIT = 2;

describe('IRC recovery of many sessions (ngircd behind the fault proxy)', () => {
  const ircd = useNgircd();
  let proxy: FaultProxy;
  let b: BridgeUnderTest;
  const users = Array.from({ length: USERS }, (_, i) => ({ user: `r${i}-${unique()}@example.org`, room: `#many${unique()}%test` }));

  beforeAll(async () => {
    proxy = await startFaultProxy({ port: ircd().port });
    // The production backoff (2 s doubling), a tight connect limit.
    b = await startBridge(proxy.port, {}, { reconnect: { initial_delay_ms: 2000, max_delay_ms: 300_000 }, max_concurrent_connects: LIMIT });
    for (const [i, u] of users.entries()) {
      await b.bridge.send({ kind: 'join', user: u.user, resource: 'r1', to: u.room, nick: `Many${i}x${unique()}` });
    }
  });

  afterAll(async () => {
    await b?.close();
    await proxy?.close();
  });

  const selfStatus = (u: (typeof users)[number], pred: (status: string) => boolean) =>
    find(b.t, 'presence', (e) => e.user === u.user && !!e.muc?.codes.includes(110) && pred(e.status ?? ''));

  it('shares one probe while the server refuses, then rejoins everyone within the connect limit and 3 s', { timeout: 60_000 }, async () => {
    // The network's limiter and the probes are shared by every session: any one's deps show them.
    const { limiter, probes } = b.bridge.sessionsOf(users[0]!.user)[0]!.deps;
    await proxy.down();
    await waitFor(() => users.every((u) => selfStatus(u, (s) => s.includes('reconnecting')).length > 0), 'every user told');
    // Every session's first retry is refused; they all wait on the same probe.
    await waitFor(() => probes.active === 1 && proxy.stats.open === 0, 'one probe for all sessions', 10_000);
    await sleep(1000);
    expect(probes.active).toBe(1);
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, limiter.inUse)), 1);
    await proxy.up();
    const upAt = Date.now();
    await waitFor(() => users.every((u) => selfStatus(u, (s) => s.startsWith('Rejoined')).length > 0), 'every user rejoined', 20_000);
    const took = Date.now() - upAt;
    clearInterval(sampler);
    console.log(JSON.stringify({ figure: 'irc_rejoin_ms', fault: 'outage', sessions: USERS, max_concurrent_connects: LIMIT, ms: took, peak_connects: peak }));
    expect(peak).toBeGreaterThanOrEqual(1);
    expect(peak).toBeLessThanOrEqual(LIMIT);
    expect(probes.active).toBe(0);
    expect(took).toBeLessThan(3000);
  });
});
