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
 *   - the gateway's memory at each K and per bridged user, everyone in one channel and one
 *     channel per user (a fresh gateway process for each layout): VmRSS, and Switchboard's V8
 *     heap after a forced GC (node --expose-gc and its bench probe, src/bench-probe.ts; issue 15).
 *
 *   npm run build && node dist/bench/irc.js [--n 2000] [--k 1,50,200] [--window 100] [--lat 300]
 *       [--runs 3] [--record on|off] [--cpu-prof DIR] [--gateways switchboard,biboumi]
 *       [--memory-only] [--layouts shared,channel-per-user]
 *
 * `--gateways switchboard,switchboard-pg --k 0` prints the two throughputs with the gateway on
 * PostgreSQL (a server started here, fsync on) next to SQLite, and their ratio (issue 14).
 *
 * `--memory-only` skips the floors and the throughput runs: the memory (and fan-out) sections only;
 * `--layouts shared` (or `channel-per-user`) runs one of the two layouts.
 * `--record off` turns the archive off on both (Switchboard's record_history, biboumi's
 * per-user Record History). `--cpu-prof DIR` adds a run of a profiled Switchboard
 * (node --cpu-prof) through a burst each way and prints where its CPU went in each.
 * Prints JSON lines; the clients (XMPP and IRC) all run in this process. This file reads the
 * options and runs the sections in order; the sections are in bench/lib/irc-*.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { connectNativeIrc } from '../test/helpers/irc-native.js';
import { startPostgres } from '../test/helpers/postgres.js';
import { connectClient } from '../test/helpers/xmpp-client.js';
import { log, pool, print, type IrcBenchOptions } from './lib/irc-common.js';
import { ircSink } from './lib/irc-clients.js';
import { printComparisons } from './lib/irc-compare.js';
import { biboumi, switchboard, type GatewayName } from './lib/irc-gateways.js';
import { startIrcBenchEnv } from './lib/irc-env.js';
import { profileSwitchboard } from './lib/irc-profile.js';
import { connectUsers, scaling, type Layout, type MemoryPoint } from './lib/irc-scaling.js';
import { measureFloors, throughput, type ThroughputResult } from './lib/irc-throughput.js';
import { round } from './lib/stats.js';

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
    'memory-only': { type: 'boolean', default: false },
    layouts: { type: 'string', default: 'shared,channel-per-user' },
  },
});
const opts: IrcBenchOptions = {
  n: Number(args.n),
  ks: args.k
    .split(',')
    .map(Number)
    .filter((k) => k > 0)
    .sort((a, b) => a - b),
  window: Number(args.window),
  lat: Number(args.lat),
  warmup: Number(args.warmup),
  repeats: Number(args.repeats),
  runs: Math.max(1, Number(args.runs)),
  record: args.record !== 'off',
  joinConcurrency: Number(args['join-concurrency']),
};
const GATEWAYS = args.gateways.split(',') as GatewayName[];
const K_MAX = opts.ks.at(-1) ?? 0;
const LAYOUTS = args.layouts.split(',') as Layout[];

async function main(): Promise<void> {
  const cleanups: Array<() => Promise<void>> = [];
  const root = mkdtempSync(join(tmpdir(), 'switchboard-bench-irc-'));
  cleanups.push(async () => rmSync(root, { recursive: true, force: true }));
  try {
    const env = await startIrcBenchEnv(root, cleanups, [{ username: 'peer', password: 'pw-peer' }]);
    const { server, ircd, bench } = env;
    const peer = await connectClient(server, 'peer', 'pw-peer', 'bench');
    cleanups.push(() => peer.stop());
    const natA = await connectNativeIrc(ircd.port, 'NatA');
    cleanups.push(() => natA.quit());
    const natB = await connectNativeIrc(ircd.port, 'NatB');
    cleanups.push(() => natB.quit());
    const sinkA = ircSink(natA);
    const sinkB = ircSink(natB);
    const { n, window, lat, ks, record } = opts;
    print({ kind: 'setup', node: process.version, cpus: cpus().length, loadavg_1m: round(loadavg()[0]!, 2), n, window, latency_samples: lat, k: ks, record_history: record });

    const memoryOnly = args['memory-only'];
    const floors = memoryOnly ? undefined : await measureFloors(opts, { bench, peer, natA, natB, sinkB });

    let postgres: (() => Promise<string>) | undefined;
    if (GATEWAYS.includes('switchboard-pg')) {
      const pg = await startPostgres();
      cleanups.push(() => pg.stop());
      postgres = () => pg.createDatabase();
    }
    const gateways = GATEWAYS.map((name) =>
      name === 'switchboard' ? switchboard(env, record) : name === 'switchboard-pg' ? switchboard(env, record, postgres) : biboumi(env, record),
    );
    const tp = new Map<GatewayName, ThroughputResult>();
    if (!memoryOnly) for (const gw of gateways) tp.set(gw.name, await throughput(opts, env, gw, natA, sinkA));

    const shared = new Map<GatewayName, MemoryPoint[]>();
    const solo = new Map<GatewayName, MemoryPoint[]>();
    if (K_MAX > 0) {
      const users = await connectUsers(server, K_MAX);
      cleanups.push(async () => void (await pool(users, 50, (u) => u.client.stop())));
      const clearer = setInterval(() => users.forEach((u) => (u.client.received.length = 0)), 2000);
      clearer.unref();
      for (const gw of gateways) {
        if (LAYOUTS.includes('shared')) {
          log(`${gw.name}: fan-out, one shared channel`);
          shared.set(gw.name, await scaling(opts, gw, natA, users, 'shared'));
        }
        if (LAYOUTS.includes('channel-per-user')) {
          log(`${gw.name}: memory, one channel per user`);
          solo.set(gw.name, await scaling(opts, gw, natA, users, 'channel-per-user'));
        }
      }
      clearInterval(clearer);
    }

    // Side by side: Switchboard / biboumi, and each against the floors.
    printComparisons(
      gateways.map((gw) => gw.name),
      { ...(floors ? { floors } : {}), throughput: tp, shared, solo },
    );

    if (args['cpu-prof'] && GATEWAYS.includes('switchboard')) {
      log('switchboard: profiled runs');
      await profileSwitchboard(opts, env, switchboard(env, record), natA, sinkA, args['cpu-prof']);
    }
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((err: unknown) => log(`cleanup: ${(err as Error).message}`));
  }
}

// Ctrl-C: exit through 'exit', whose hooks kill the gateway, biboumi and the servers.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
await main();
