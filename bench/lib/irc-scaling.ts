/**
 * Fan-out and memory of the IRC bridge benchmark as bridged users are added: K XMPP accounts
 * logged in once, then joined through a fresh gateway process in steps up to each `--k`, either
 * all in one channel (where one IRC line is timed until all K have it, `--repeats` times) or each
 * in a channel of their own; the gateway's VmRSS, settled, at each K and per user.
 */
import { performance } from 'node:perf_hooks';
import type { NativeIrcUser } from '../../test/helpers/irc-native.js';
import type { XmppServer } from '../../test/helpers/server-process.js';
import { sleep } from '../../test/helpers/wait.js';
import { connectClient, type TestClient } from '../../test/helpers/xmpp-client.js';
import { log, pool, print, type IrcBenchOptions } from './irc-common.js';
import { joinIrcChannel, joinRoom, xmppBodies } from './irc-clients.js';
import { roomOf, type Gateway } from './irc-gateways.js';
import { cpuTimeMs, vmRssMiB } from './proc.js';
import { percentile, round } from './stats.js';

export interface BridgedUser {
  index: number;
  client: TestClient;
}

export interface MemoryPoint {
  k: number;
  vmrss_mib: number;
  kb_per_user: number;
  fanout_p50_ms?: number;
  fanout_max_ms?: number;
}

export type Layout = 'shared' | 'channel-per-user';

/** One fan-out waiter per body: every user's client counts down when it gets that body. */
const fanWaiters = new Map<string, () => void>();

/** Register and log in `k` accounts (fan0, fan1, …), each counting down the fan-out waiters. */
export async function connectUsers(server: XmppServer, k: number): Promise<BridgedUser[]> {
  const names = Array.from({ length: k }, (_, i) => `fan${i}`);
  const t0 = performance.now();
  await pool(names, 8, (name) => server.addUser(name, `pw-${name}`));
  const t1 = performance.now();
  const users: BridgedUser[] = new Array<BridgedUser>(k);
  await pool(names, 20, async (name, index) => {
    const client = await connectClient(server, name, `pw-${name}`, 'bench', { timeoutMs: 60_000 });
    xmppBodies(client, 'groupchat')((body) => fanWaiters.get(body)?.());
    users[index] = { index, client };
  });
  log(`${k} accounts registered in ${round((t1 - t0) / 1000)} s, logged in in ${round((performance.now() - t1) / 1000)} s`);
  return users;
}

/** Time from the IRC line being written until all `k` users have it. */
function fanOut(native: NativeIrcUser, channel: string, users: readonly BridgedUser[], body: string, timeoutMs = 120_000): Promise<number> {
  return new Promise((resolve, reject) => {
    let left = users.length;
    const timer = setTimeout(() => {
      fanWaiters.delete(body);
      reject(new Error(`fan-out ${body}: ${left}/${users.length} users still waiting after ${timeoutMs} ms`));
    }, timeoutMs);
    const t0 = performance.now();
    fanWaiters.set(body, () => {
      if (--left > 0) return;
      clearTimeout(timer);
      fanWaiters.delete(body);
      resolve(performance.now() - t0);
    });
    native.client.say(channel, body);
  });
}

async function settleRss(pid: number): Promise<number> {
  await sleep(1500);
  return vmRssMiB(pid);
}

/** Everyone in one channel (`shared`) or each in their own: VmRSS at each K, and fan-out when shared. */
export async function scaling(opts: IrcBenchOptions, gw: Gateway, natA: NativeIrcUser, users: readonly BridgedUser[], layout: Layout): Promise<MemoryPoint[]> {
  const shared = `#fan-${gw.name}`;
  if (layout === 'shared') await joinIrcChannel(natA, shared);
  const running = await gw.start();
  const points: MemoryPoint[] = [];
  try {
    const base = await settleRss(running.pid);
    print({ kind: 'memory-baseline', gateway: gw.name, layout, vmrss_mib: round(base) });
    let joined = 0;
    for (const k of opts.ks) {
      const t0 = performance.now();
      const cpu0 = cpuTimeMs(running.pid);
      await pool(users.slice(joined, k), opts.joinConcurrency, async (u) => {
        await gw.prepare(u.client);
        await joinRoom(u.client, roomOf(gw, layout === 'shared' ? shared : `#solo-${gw.name}-${u.index}`), gw.nick(`u${u.index}`));
      });
      const joinMs = performance.now() - t0;
      const joinCpuMs = cpuTimeMs(running.pid) - cpu0;
      joined = k;
      for (const u of users) u.client.received.length = 0;
      const rss = await settleRss(running.pid);
      const point: MemoryPoint = { k, vmrss_mib: round(rss), kb_per_user: round(((rss - base) * 1024) / k) };
      const line: Record<string, unknown> = { kind: layout === 'shared' ? 'fanout' : 'memory', gateway: gw.name, layout, k, join_s: round(joinMs / 1000, 2), join_cpu_s: round(joinCpuMs / 1000, 2) };
      if (layout === 'shared') {
        const times: number[] = [];
        const cpuF0 = cpuTimeMs(running.pid);
        for (let r = 0; r < opts.repeats; r++) {
          times.push(await fanOut(natA, shared, users.slice(0, k), `fan-${gw.name}-${k}-${r}`));
          await sleep(200);
        }
        const cpuF = cpuTimeMs(running.pid) - cpuF0;
        for (const u of users) u.client.received.length = 0;
        const sorted = [...times].sort((a, b) => a - b);
        point.fanout_p50_ms = round(percentile(sorted, 50), 2);
        point.fanout_max_ms = round(sorted.at(-1)!, 2);
        Object.assign(line, {
          fanout_ms: { p50: point.fanout_p50_ms, max: point.fanout_max_ms, runs: times.map((t) => round(t, 2)) },
          fanout_cpu_ms_per_line: round(cpuF / opts.repeats, 1),
        });
      }
      print({ ...line, vmrss_mib: point.vmrss_mib, baseline_mib: round(base), kb_per_user: point.kb_per_user });
      points.push(point);
    }
  } finally {
    await running.stop();
    for (const u of users) u.client.received.length = 0;
    if (layout === 'shared') natA.client.part(shared);
  }
  return points;
}
