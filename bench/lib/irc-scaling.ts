/**
 * Fan-out and memory of the IRC bridge benchmark as bridged users are added: K XMPP accounts
 * logged in once, then joined through a fresh gateway process in steps up to each `--k`, either
 * all in one channel (where one IRC line is timed until all K have it, `--repeats` times) or each
 * in a channel of their own; the gateway's memory, settled, at each K and per user, two ways
 * (issue 15): VmRSS, and for Switchboard also the V8 heap after a forced GC (its bench probe,
 * src/bench-probe.ts), so that garbage a join storm leaves neither hides nor fakes a retained cost.
 */
import { performance } from 'node:perf_hooks';
import type { NativeIrcUser } from '../../test/helpers/irc-native.js';
import type { XmppServer } from '../../test/helpers/server-process.js';
import { sleep } from '../../test/helpers/wait.js';
import { connectClient, type TestClient } from '../../test/helpers/xmpp-client.js';
import { log, pool, print, type IrcBenchOptions } from './irc-common.js';
import { joinIrcChannel, joinRoom, xmppBodies } from './irc-clients.js';
import { roomOf, type Gateway, type RunningGateway } from './irc-gateways.js';
import { MiB } from './probe.js';
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
  /** Switchboard: V8 heap used after a forced GC, and its growth per user. */
  heap_mib?: number;
  heap_kb_per_user?: number;
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

interface Settled {
  /** VmRSS before any forced GC: what biboumi is measured by too. */
  rss: number;
  /** Heap used after a forced GC, VmRSS after it, and the heap V8 keeps (Switchboard's probe only). */
  heap?: number;
  rssAfterGc?: number;
  heapTotal?: number;
  external?: number;
}

async function settle(running: RunningGateway): Promise<Settled> {
  await sleep(1500);
  const rss = vmRssMiB(running.pid);
  if (!running.probe) return { rss };
  const m = await running.probe.memory();
  return { rss, heap: MiB(m.heap_used), rssAfterGc: vmRssMiB(running.pid), heapTotal: MiB(m.heap_total), external: MiB(m.external) };
}

const perUserKb = (mib: number, base: number, k: number): number => round(((mib - base) * 1024) / k);

function memoryFields(m: Settled): Record<string, number> {
  return {
    vmrss_mib: round(m.rss),
    ...(m.heap !== undefined
      ? { heap_after_gc_mib: round(m.heap), vmrss_after_gc_mib: round(m.rssAfterGc!), heap_total_mib: round(m.heapTotal!), external_mib: round(m.external!) }
      : {}),
  };
}

/** Everyone in one channel (`shared`) or each in their own: VmRSS at each K, and fan-out when shared. */
export async function scaling(opts: IrcBenchOptions, gw: Gateway, natA: NativeIrcUser, users: readonly BridgedUser[], layout: Layout): Promise<MemoryPoint[]> {
  const shared = `#fan-${gw.name}`;
  if (layout === 'shared') await joinIrcChannel(natA, shared);
  const running = await gw.start(gw.name === 'biboumi' ? {} : { probe: true });
  const points: MemoryPoint[] = [];
  try {
    const base = await settle(running);
    print({ kind: 'memory-baseline', gateway: gw.name, layout, ...memoryFields(base) });
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
      const now = await settle(running);
      const point: MemoryPoint = { k, vmrss_mib: round(now.rss), kb_per_user: perUserKb(now.rss, base.rss, k) };
      if (now.heap !== undefined && base.heap !== undefined) {
        point.heap_mib = round(now.heap);
        point.heap_kb_per_user = perUserKb(now.heap, base.heap, k);
      }
      const line: Record<string, unknown> = {
        kind: layout === 'shared' ? 'fanout' : 'memory',
        gateway: gw.name,
        layout,
        k,
        join_s: round(joinMs / 1000, 2),
        join_cpu_s: round(joinCpuMs / 1000, 2),
      };
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
      print({
        ...line,
        ...memoryFields(now),
        baseline: memoryFields(base),
        kb_per_user: point.kb_per_user,
        ...(point.heap_kb_per_user !== undefined
          ? { heap_kb_per_user: point.heap_kb_per_user, vmrss_after_gc_kb_per_user: perUserKb(now.rssAfterGc!, base.rssAfterGc!, k) }
          : {}),
      });
      points.push(point);
    }
  } finally {
    await running.stop();
    for (const u of users) u.client.received.length = 0;
    if (layout === 'shared') natA.client.part(shared);
  }
  return points;
}
