/**
 * IRC bridge benchmark (issue 3), end to end and side by side with biboumi in ONE run against
 * the same ngircd (MaxPenaltyTime 0: no flood control) and the same Prosody:
 *
 *   - XMPP→IRC and IRC→XMPP, for Switchboard (the built gateway process, throttle off) and
 *     biboumi (throttle_limit -1 through its `configure` ad-hoc command): messages/s with
 *     `--window` in flight, latency p50/p99 one at a time (and under load), and the gateway's
 *     CPU time per message from /proc/<pid>/stat;
 *   - the floors: IRC client → IRC client through ngircd, XMPP client → XMPP client through Prosody;
 *   - IRC→XMPP fan-out: one IRC line reaching all K bridged users of one channel (K XMPP
 *     accounts, each joined through the gateway), `--repeats` times per K;
 *   - the gateway's VmRSS at each K and per bridged user, everyone in one channel and one
 *     channel per user (a fresh gateway process for each layout).
 *
 *   npm run build && node dist/bench/irc.js [--n 2000] [--k 1,50,200] [--window 100] [--lat 300]
 *       [--runs 3] [--record on|off] [--cpu-prof DIR] [--gateways switchboard,biboumi]
 *
 * `--record off` turns the archive off on both (Switchboard's record_history, biboumi's
 * per-user Record History). `--cpu-prof DIR` adds a run of a profiled Switchboard
 * (node --cpu-prof) through a burst each way and prints where its CPU went in each.
 * Prints JSON lines; the clients (XMPP and IRC) all run in this process.
 */
import { xml } from '@xmpp/client';
import type { Element } from 'ltx';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { Daemon } from '../test/helpers/daemon.js';
import { startGatewayDaemon } from '../test/helpers/gateway-daemon.js';
import { connectNativeIrc, type NativeIrcUser } from '../test/helpers/irc-native.js';
import { startNgircd, type Ngircd } from '../test/helpers/irc-ngircd.js';
import { freePort } from '../test/helpers/ports.js';
import { startProsody } from '../test/helpers/prosody.js';
import type { XmppServer } from '../test/helpers/server-process.js';
import { sleep } from '../test/helpers/wait.js';
import { connectClient, type TestClient } from '../test/helpers/xmpp-client.js';
import { runFormCommand, startBiboumi, waitComponentOnline } from './lib/biboumi.js';
import { summarizeCpuProfile } from './lib/cpuprofile.js';
import type { LoadResult } from './lib/load.js';
import { runOneWay } from './lib/oneway.js';
import { cpuTimeMs, vmRssMiB } from './lib/proc.js';
import { percentile, ratio, summarize, type Summary } from './lib/stats.js';
import { jsonLines } from './lib/output.js';

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '2000' },
    k: { type: 'string', default: '1,50,200' },
    window: { type: 'string', default: '100' },
    lat: { type: 'string', default: '300' },
    warmup: { type: 'string', default: '300' },
    repeats: { type: 'string', default: '5' },
    runs: { type: 'string', default: '3' },
    record: { type: 'string', default: 'on' },
    'cpu-prof': { type: 'string' },
    gateways: { type: 'string', default: 'switchboard,biboumi' },
    'join-concurrency': { type: 'string', default: '25' },
  },
});
const N = Number(args.n);
const KS = args.k
  .split(',')
  .map(Number)
  .filter((k) => k > 0)
  .sort((a, b) => a - b);
const WINDOW = Number(args.window);
const LAT = Number(args.lat);
const WARMUP = Number(args.warmup);
const REPEATS = Number(args.repeats);
const RUNS = Math.max(1, Number(args.runs));
const RECORD = args.record !== 'off';
const JOIN_CONCURRENCY = Number(args['join-concurrency']);
const GATEWAYS = args.gateways.split(',') as GatewayName[];
const K_MAX = KS.at(-1) ?? 0;

const SB_DOMAIN = 'irc.localhost';
const BB_DOMAIN = 'biboumi.localhost';
const SECRET = 'bench-secret';
const MUC = 'http://jabber.org/protocol/muc';
const MUC_USER = 'http://jabber.org/protocol/muc#user';

type GatewayName = 'switchboard' | 'biboumi';

const print = jsonLines('irc');
const log = (text: string): void => void process.stderr.write(`[irc bench ${new Date().toISOString().slice(11, 19)}] ${text}\n`);
const round = (x: number, digits = 1): number => Number(x.toFixed(digits));

/** Run `fn` over `items` with at most `limit` at a time. */
async function pool<T>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Join a MUC room and wait for the self-presence (status 110); a presence error rejects. */
function joinRoom(client: TestClient, room: string, nick: string, timeoutMs = 120_000): Promise<void> {
  const bare = room.toLowerCase();
  return new Promise((resolve, reject) => {
    const onStanza = (el: Element): void => {
      if (!el.is('presence')) return;
      const from = String(el.attrs['from'] ?? '');
      if (from.split('/')[0]!.toLowerCase() !== bare) return;
      if (el.attrs['type'] === 'error') return done(new Error(`join ${room}/${nick}: ${el.toString()}`));
      const codes = el.getChild('x', MUC_USER)?.getChildren('status').map((s: Element) => String(s.attrs['code'])) ?? [];
      if (codes.includes('110') && el.attrs['type'] !== 'unavailable') done();
    };
    const timer = setTimeout(() => done(new Error(`join ${room}/${nick}: no self-presence in ${timeoutMs} ms`)), timeoutMs);
    function done(err?: Error): void {
      clearTimeout(timer);
      client.xmpp.removeListener('stanza', onStanza);
      if (err) reject(err);
      else resolve();
    }
    client.xmpp.on('stanza', onStanza);
    client
      .send(xml('presence', { to: `${room}/${nick}` }, xml('x', { xmlns: MUC }, xml('history', { maxstanzas: '0' }))))
      .catch((err: unknown) => done(err instanceof Error ? err : new Error(String(err))));
  });
}

/** Bodies of groupchat/chat messages `client` receives, to a hook. */
function xmppBodies(client: TestClient, type: 'groupchat' | 'chat') {
  return (onBody: (body: string) => void): (() => void) => {
    const onStanza = (el: Element): void => {
      if (!el.is('message') || el.attrs['type'] !== type) return;
      const body = el.getChildText('body');
      if (body !== null) onBody(body);
    };
    client.xmpp.on('stanza', onStanza);
    return () => void client.xmpp.removeListener('stanza', onStanza);
  };
}

/** irc-framework's emitter is untyped here; one permanent listener per client dispatches to a sink. */
function ircSink(user: NativeIrcUser): (channel: string) => (onBody: (body: string) => void) => () => void {
  let sink: { channel: string; onBody: (body: string) => void } | undefined;
  user.client.on('message', (e) => {
    if (sink && String(e.target).toLowerCase() === sink.channel && typeof e.message === 'string') sink.onBody(e.message);
  });
  // connectNativeIrc records every event for tests; a benchmark's messages would only grow that
  // array. Drop them in place (`expect` still needs the other events, such as joins).
  setInterval(() => {
    let kept = 0;
    for (const e of user.events) if (e.event !== 'message') user.events[kept++] = e;
    user.events.length = kept;
  }, 1000).unref();
  return (channel) => (onBody) => {
    sink = { channel: channel.toLowerCase(), onBody };
    return () => (sink = undefined);
  };
}

function sendGroupchat(client: TestClient, room: string): (body: string) => void {
  return (body) => void client.xmpp.send(xml('message', { to: room, type: 'groupchat', id: body }, xml('body', {}, body))).catch(() => undefined);
}

interface DirectionResult {
  /** The run with the median rate of `--runs` (the machine is shared: one run can be unlucky). */
  pipelined: Summary;
  sequential: Summary;
  cpu_us_per_msg?: number;
  cpu_us_per_msg_sequential?: number;
  runs: Array<{ msgs_per_s: number; cpu_us_per_msg?: number }>;
}

/** `--window` in flight for the rate (and CPU), `--runs` times, then one at a time for the latency. */
async function measureDirection(
  tag: string,
  send: (body: string) => void,
  subscribe: (onBody: (body: string) => void) => () => void,
  pid?: number,
): Promise<DirectionResult> {
  await runOneWay({ n: WARMUP, window: Math.min(WINDOW, 20), tag: `${tag}-warm`, send, subscribe });
  const loads: Array<{ summary: Summary; cpuUs?: number }> = [];
  for (let r = 0; r < RUNS; r++) {
    const cpu0 = pid ? cpuTimeMs(pid) : 0;
    const load: LoadResult = await runOneWay({ n: N, window: WINDOW, tag: `${tag}-load${r}`, send, subscribe });
    const cpu1 = pid ? cpuTimeMs(pid) : 0;
    loads.push({ summary: summarize(load.latenciesMs, load.elapsedMs), ...(pid ? { cpuUs: round(((cpu1 - cpu0) * 1000) / N) } : {}) });
  }
  const median = [...loads].sort((a, b) => a.summary.msgs_per_s - b.summary.msgs_per_s)[Math.floor(loads.length / 2)]!;
  const cpu1 = pid ? cpuTimeMs(pid) : 0;
  const seq = await runOneWay({ n: LAT, window: 1, tag: `${tag}-seq`, send, subscribe });
  const cpu2 = pid ? cpuTimeMs(pid) : 0;
  return {
    pipelined: median.summary,
    sequential: summarize(seq.latenciesMs, seq.elapsedMs),
    ...(pid ? { cpu_us_per_msg: median.cpuUs!, cpu_us_per_msg_sequential: round(((cpu2 - cpu1) * 1000) / LAT) } : {}),
    runs: loads.map((l) => ({ msgs_per_s: l.summary.msgs_per_s, ...(l.cpuUs !== undefined ? { cpu_us_per_msg: l.cpuUs } : {}) })),
  };
}

interface RunningGateway {
  pid: number;
  stop(): Promise<void>;
}

interface Gateway {
  name: GatewayName;
  domain: string;
  /** The network part of room JIDs. */
  network: string;
  nick: (base: string) => string;
  start(opts?: { cpuProfDir?: string }): Promise<RunningGateway>;
  /** Per-user set-up before the first join (biboumi: server ports, throttle, history). */
  prepare(client: TestClient): Promise<void>;
}

interface Env {
  server: XmppServer;
  ircd: Ngircd;
  bench: TestClient;
  root: string;
}

function switchboard(env: Env): Gateway {
  return {
    name: 'switchboard',
    domain: SB_DOMAIN,
    network: 'bench',
    nick: (base) => `S${base}`,
    async start(opts = {}) {
      const dir = mkdtempSync(join(env.root, 'sb-'));
      const gw = await startGatewayDaemon({
        dir,
        ...(opts.cpuProfDir ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfDir}`] } : {}),
        startTimeoutMs: 60_000,
        config: {
          xmpp: { host: '127.0.0.1', port: env.server.componentPort },
          store: { path: join(dir, 'switchboard.sqlite') },
          http: { host: '127.0.0.1', port: await freePort() },
          log: { level: 'warn' },
          access: { domains: [env.server.domain] },
          bridges: {
            irc: {
              domain: SB_DOMAIN,
              component_secret: SECRET,
              options: {
                networks: {
                  bench: {
                    servers: [{ host: '127.0.0.1', port: env.ircd.port, tls: false }],
                    // Throttle off (lines_per_second 0), and room for the whole burst.
                    throttle: { lines_per_second: 0, max_queue: 1_000_000 },
                    // biboumi opens its connections without such a cap.
                    max_concurrent_connects: 64,
                  },
                },
                record_history: RECORD,
                limits: { connections_total: 100_000 },
              },
            },
          },
        },
      });
      return { pid: gw.daemon.pid, stop: () => gw.daemon.stop(20_000) };
    },
    async prepare() {},
  };
}

function biboumi(env: Env): Gateway {
  const dir = join(env.root, 'biboumi');
  mkdirSync(dir, { recursive: true });
  const prepared = new Set<string>();
  return {
    name: 'biboumi',
    domain: BB_DOMAIN,
    network: '127.0.0.1',
    nick: (base) => `B${base}`,
    async start() {
      const daemon: Daemon = startBiboumi({ dir, domain: BB_DOMAIN, secret: SECRET, componentPort: env.server.componentPort, dbFile: join(dir, 'biboumi.sqlite') });
      await waitComponentOnline(env.bench, BB_DOMAIN, daemon);
      return { pid: daemon.pid, stop: () => daemon.stop(20_000) };
    },
    async prepare(client) {
      if (prepared.has(client.bareJid)) return; // kept in its database across restarts
      // The IRC server is named by host in the JID; its port, and no TLS port, per user.
      await runFormCommand(client, `127.0.0.1@${BB_DOMAIN}`, 'configure', { ports: [String(env.ircd.port)], tls_ports: [], throttle_limit: ['-1'] }, ['tls_ports']);
      if (!RECORD) await runFormCommand(client, BB_DOMAIN, 'configure', { record_history: ['false'] });
      prepared.add(client.bareJid);
    },
  };
}

const roomOf = (gw: Gateway, channel: string): string => `${channel}%${gw.network}@${gw.domain}`;

interface BridgedUser {
  index: number;
  client: TestClient;
}

/** One fan-out waiter per body: every user's client counts down when it gets that body. */
const fanWaiters = new Map<string, () => void>();

async function connectUsers(server: XmppServer, k: number): Promise<BridgedUser[]> {
  const names = Array.from({ length: k }, (_, i) => `fan${i}`);
  const t0 = performance.now();
  await pool(names, 8, (name) => server.addUser(name, `pw-${name}`));
  const t1 = performance.now();
  const users: BridgedUser[] = new Array<BridgedUser>(k);
  await pool(names, 20, async (name, index) => {
    const client = await connectClient(server, name, `pw-${name}`, 'bench', { timeoutMs: 60_000 });
    client.xmpp.on('stanza', (el: Element) => {
      if (!el.is('message') || el.attrs['type'] !== 'groupchat') return;
      const body = el.getChildText('body');
      if (body !== null) fanWaiters.get(body)?.();
    });
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

interface ThroughputResult {
  xmpp_to_irc: DirectionResult;
  irc_to_xmpp: DirectionResult;
  vmrss_mib: number;
}

async function throughput(env: Env, gw: Gateway, natA: NativeIrcUser, sinkA: ReturnType<typeof ircSink>): Promise<ThroughputResult> {
  const channel = `#tp-${gw.name}`;
  natA.client.join(channel);
  await natA.expect('join', (e) => e.nick === natA.nick && String(e.channel).toLowerCase() === channel);
  const running = await gw.start();
  try {
    await gw.prepare(env.bench);
    const room = roomOf(gw, channel);
    const nick = gw.nick('Bench');
    await joinRoom(env.bench, room, nick);
    await natA.expect('join', (e) => e.nick === nick && String(e.channel).toLowerCase() === channel);
    log(`${gw.name}: XMPP→IRC`);
    const xmppToIrc = await measureDirection(`${gw.name}-x2i`, sendGroupchat(env.bench, room), sinkA(channel), running.pid);
    env.bench.received.length = 0;
    log(`${gw.name}: IRC→XMPP`);
    const ircToXmpp = await measureDirection(`${gw.name}-i2x`, (b) => natA.client.say(channel, b), xmppBodies(env.bench, 'groupchat'), running.pid);
    env.bench.received.length = 0;
    const result = { xmpp_to_irc: xmppToIrc, irc_to_xmpp: ircToXmpp, vmrss_mib: round(vmRssMiB(running.pid)) };
    print({ kind: 'throughput', gateway: gw.name, record_history: RECORD, n: N, window: WINDOW, latency_samples: LAT, ...result });
    return result;
  } finally {
    await running.stop();
    natA.client.part(channel);
  }
}

interface MemoryPoint {
  k: number;
  vmrss_mib: number;
  kb_per_user: number;
  fanout_p50_ms?: number;
  fanout_max_ms?: number;
}

async function settleRss(pid: number): Promise<number> {
  await sleep(1500);
  return vmRssMiB(pid);
}

/** Everyone in one channel (`shared`) or each in their own: VmRSS at each K, and fan-out when shared. */
async function scaling(env: Env, gw: Gateway, natA: NativeIrcUser, users: readonly BridgedUser[], layout: 'shared' | 'channel-per-user'): Promise<MemoryPoint[]> {
  const shared = `#fan-${gw.name}`;
  if (layout === 'shared') {
    natA.client.join(shared);
    await natA.expect('join', (e) => e.nick === natA.nick && String(e.channel).toLowerCase() === shared);
  }
  const running = await gw.start();
  const points: MemoryPoint[] = [];
  try {
    const base = await settleRss(running.pid);
    print({ kind: 'memory-baseline', gateway: gw.name, layout, vmrss_mib: round(base) });
    let joined = 0;
    for (const k of KS) {
      const t0 = performance.now();
      const cpu0 = cpuTimeMs(running.pid);
      await pool(users.slice(joined, k), JOIN_CONCURRENCY, async (u) => {
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
        for (let r = 0; r < REPEATS; r++) {
          times.push(await fanOut(natA, shared, users.slice(0, k), `fan-${gw.name}-${k}-${r}`));
          await sleep(200);
        }
        const cpuF = cpuTimeMs(running.pid) - cpuF0;
        for (const u of users) u.client.received.length = 0;
        const sorted = [...times].sort((a, b) => a - b);
        point.fanout_p50_ms = round(percentile(sorted, 50), 2);
        point.fanout_max_ms = round(sorted.at(-1)!, 2);
        Object.assign(line, { fanout_ms: { p50: point.fanout_p50_ms, max: point.fanout_max_ms, runs: times.map((t) => round(t, 2)) }, fanout_cpu_ms_per_line: round(cpuF / REPEATS, 1) });
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

/** A profiled Switchboard (node --cpu-prof) through one burst each way; the summary covers each burst only. */
async function profileSwitchboard(env: Env, gw: Gateway, natA: NativeIrcUser, sinkA: ReturnType<typeof ircSink>, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const before = new Set(readdirSync(dir));
  const channel = '#prof';
  natA.client.join(channel);
  await natA.expect('join', (e) => e.nick === natA.nick && String(e.channel).toLowerCase() === channel);
  const running = await gw.start({ cpuProfDir: dir });
  const bursts: Array<{ direction: string; fromUs: number; toUs: number }> = [];
  const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);
  try {
    const room = roomOf(gw, channel);
    const nick = gw.nick('Prof');
    await joinRoom(env.bench, room, nick);
    await natA.expect('join', (e) => e.nick === nick && String(e.channel).toLowerCase() === channel);
    const directions = [
      { direction: 'irc_to_xmpp', send: (b: string): void => natA.client.say(channel, b), subscribe: xmppBodies(env.bench, 'groupchat') },
      { direction: 'xmpp_to_irc', send: sendGroupchat(env.bench, room), subscribe: sinkA(channel) },
    ];
    for (const { direction, send, subscribe } of directions) {
      await runOneWay({ n: WARMUP, window: 20, tag: `prof-${direction}-warm`, send, subscribe });
      const cpu0 = cpuTimeMs(running.pid);
      const fromUs = nowUs();
      const r = await runOneWay({ n: N, window: WINDOW, tag: `prof-${direction}`, send, subscribe });
      bursts.push({ direction, fromUs, toUs: nowUs() });
      const cpu = cpuTimeMs(running.pid) - cpu0;
      env.bench.received.length = 0;
      print({ kind: 'cpu-profile-run', gateway: gw.name, direction, ...summarize(r.latenciesMs, r.elapsedMs), cpu_us_per_msg_profiled: round((cpu * 1000) / N) });
    }
  } finally {
    await running.stop();
    natA.client.part(channel);
  }
  const file = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile') && !before.has(f))
    .map((f) => join(dir, f))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
  if (!file) return print({ kind: 'cpu-profile', error: `no .cpuprofile written in ${dir}` });
  // Only the samples of each burst: the profile's clock is CLOCK_MONOTONIC, as is process.hrtime here.
  for (const { direction, fromUs, toUs } of bursts) {
    print({ kind: 'cpu-profile', gateway: gw.name, direction, file, window: 'this burst only (wall ms; idle included)', ...summarizeCpuProfile(file, 30, { fromUs, toUs }) });
  }
}

async function main(): Promise<void> {
  const cleanups: Array<() => Promise<void>> = [];
  const root = mkdtempSync(join(tmpdir(), 'switchboard-bench-irc-'));
  cleanups.push(async () => rmSync(root, { recursive: true, force: true }));
  try {
    const ircd = await startNgircd({ maxPenaltyTime: 0 });
    cleanups.push(() => ircd.stop());
    const server = await startProsody({
      components: [
        { domain: SB_DOMAIN, secret: SECRET },
        { domain: BB_DOMAIN, secret: SECRET },
      ],
      users: [
        { username: 'bench', password: 'pw-bench' },
        { username: 'peer', password: 'pw-peer' },
      ],
      logLevel: 'warn',
    });
    cleanups.push(() => server.stop());
    const bench = await connectClient(server, 'bench', 'pw-bench', 'bench');
    cleanups.push(() => bench.stop());
    const peer = await connectClient(server, 'peer', 'pw-peer', 'bench');
    cleanups.push(() => peer.stop());
    const natA = await connectNativeIrc(ircd.port, 'NatA');
    cleanups.push(() => natA.quit());
    const natB = await connectNativeIrc(ircd.port, 'NatB');
    cleanups.push(() => natB.quit());
    const sinkA = ircSink(natA);
    const sinkB = ircSink(natB);
    const env: Env = { server, ircd, bench, root };
    print({ kind: 'setup', node: process.version, cpus: cpus().length, loadavg_1m: round(loadavg()[0]!, 2), n: N, window: WINDOW, latency_samples: LAT, k: KS, record_history: RECORD });

    // Floors.
    natA.client.join('#floor');
    natB.client.join('#floor');
    await natA.expect('join', (e) => e.nick === 'NatB');
    log('floor IRC→IRC');
    const ircFloor = await measureDirection('floor-irc', (b) => natA.client.say('#floor', b), sinkB('#floor'));
    print({ kind: 'floor', path: 'irc_client→ngircd→irc_client', ...ircFloor });
    log('floor XMPP→XMPP');
    const xmppFloor = await measureDirection(
      'floor-xmpp',
      (b) => void bench.xmpp.send(xml('message', { to: peer.jid, type: 'chat', id: b }, xml('body', {}, b))).catch(() => undefined),
      xmppBodies(peer, 'chat'),
    );
    peer.received.length = 0;
    print({ kind: 'floor', path: 'xmpp_client→prosody→xmpp_client', ...xmppFloor });

    const gateways = GATEWAYS.map((name) => (name === 'switchboard' ? switchboard(env) : biboumi(env)));
    const tp = new Map<GatewayName, ThroughputResult>();
    for (const gw of gateways) tp.set(gw.name, await throughput(env, gw, natA, sinkA));

    const shared = new Map<GatewayName, MemoryPoint[]>();
    const solo = new Map<GatewayName, MemoryPoint[]>();
    if (K_MAX > 0) {
      const users = await connectUsers(server, K_MAX);
      cleanups.push(async () => void (await pool(users, 50, (u) => u.client.stop())));
      const clearer = setInterval(() => users.forEach((u) => (u.client.received.length = 0)), 2000);
      clearer.unref();
      for (const gw of gateways) {
        log(`${gw.name}: fan-out, one shared channel`);
        shared.set(gw.name, await scaling(env, gw, natA, users, 'shared'));
        log(`${gw.name}: memory, one channel per user`);
        solo.set(gw.name, await scaling(env, gw, natA, users, 'channel-per-user'));
      }
      clearInterval(clearer);
    }

    // Side by side: Switchboard / biboumi, and each against the floors.
    const vsFloor = (d: DirectionResult) => ({
      rate_vs_irc_floor: ratio(d.pipelined.msgs_per_s, ircFloor.pipelined.msgs_per_s),
      rate_vs_xmpp_floor: ratio(d.pipelined.msgs_per_s, xmppFloor.pipelined.msgs_per_s),
      p50_vs_floors_sum: ratio(d.sequential.p50_ms, ircFloor.sequential.p50_ms + xmppFloor.sequential.p50_ms),
      p50_minus_floors_sum_ms: round(d.sequential.p50_ms - ircFloor.sequential.p50_ms - xmppFloor.sequential.p50_ms, 2),
    });
    for (const gw of gateways) {
      const t = tp.get(gw.name)!;
      print({ kind: 'vs-floors', gateway: gw.name, xmpp_to_irc: vsFloor(t.xmpp_to_irc), irc_to_xmpp: vsFloor(t.irc_to_xmpp) });
    }
    const s = tp.get('switchboard');
    const b = tp.get('biboumi');
    if (s && b) {
      const cmp = (x: DirectionResult, y: DirectionResult) => ({
        msgs_per_s: ratio(x.pipelined.msgs_per_s, y.pipelined.msgs_per_s),
        cpu_per_msg: ratio(x.cpu_us_per_msg!, y.cpu_us_per_msg!),
        cpu_per_msg_sequential: ratio(x.cpu_us_per_msg_sequential!, y.cpu_us_per_msg_sequential!),
        p50: ratio(x.sequential.p50_ms, y.sequential.p50_ms),
        p99: ratio(x.sequential.p99_ms, y.sequential.p99_ms),
      });
      const perK = (xs: MemoryPoint[] | undefined, ys: MemoryPoint[] | undefined) =>
        (xs ?? []).map((x, i) => {
          const y = ys?.[i];
          return {
            k: x.k,
            vmrss: y ? ratio(x.vmrss_mib, y.vmrss_mib) : null,
            kb_per_user: y ? ratio(x.kb_per_user, y.kb_per_user) : null,
            ...(x.fanout_p50_ms !== undefined && y?.fanout_p50_ms !== undefined ? { fanout_p50: ratio(x.fanout_p50_ms, y.fanout_p50_ms) } : {}),
          };
        });
      print({
        kind: 'ratio switchboard/biboumi',
        xmpp_to_irc: cmp(s.xmpp_to_irc, b.xmpp_to_irc),
        irc_to_xmpp: cmp(s.irc_to_xmpp, b.irc_to_xmpp),
        shared_channel: perK(shared.get('switchboard'), shared.get('biboumi')),
        channel_per_user: perK(solo.get('switchboard'), solo.get('biboumi')),
      });
    }

    if (args['cpu-prof'] && GATEWAYS.includes('switchboard')) {
      log('switchboard: profiled runs');
      await profileSwitchboard(env, switchboard(env), natA, sinkA, args['cpu-prof']);
    }
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((err: unknown) => log(`cleanup: ${(err as Error).message}`));
  }
}

// Ctrl-C: exit through 'exit', whose hooks kill the gateway, biboumi and the servers.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
await main();
