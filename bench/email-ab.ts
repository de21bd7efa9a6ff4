/**
 * Email bridge A/B: this build's gateway against another built checkout's (`--base DIR`, e.g.
 * `git worktree add ../base <commit> && cd ../base && npm ci && npm run build`) in ONE run, with
 * ONE harness, in alternating pairs (base-this, this-base, …) so that a machine whose load drifts
 * treats both alike. Each side of a pair is a fresh gateway process of its checkout
 * (bench/lib/email-gateway.ts: that checkout's EmailBridge and store, durable commit):
 *  - inbound: `--messages` mails from `--clients` pipelining SMTP connections (worker threads of
 *    THIS process, started before any measurement: bench/lib/smtp-blast.ts) after a warm-up of
 *    `--warmup`; messages/s until the last 250, and the gateway process's CPU µs per message
 *    (/proc/PID/stat: its main thread, the fsync pool and GC; no client in it), and its main
 *    thread's alone; the store's COMMITs and group-commit WAL syncs (fdatasync) per 1,000 messages, counted
 *    in the gateway (bench/lib/email-gateway.ts): how well the commits of concurrent mails batch;
 *  - outbound: Bridge.send of `--out` mails, `--clients` at a time, to the python3-aiosmtpd
 *    Maildir sink; messages/s and CPU µs per message.
 *
 *   npm run build && node dist/bench/email-ab.js --base /work/base [--pairs 5] [--messages 4000]
 *       [--clients 16] [--warmup 500] [--out 1000] [--sync full|normal] [--this DIR]
 *
 * Prints a JSON line per side and pair, then the medians of each figure and their ratios
 * (this / base): rates above 1 and CPU per message below 1 are better than the base.
 */
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startSmtpSink } from '../test/helpers/email-smtp-sink.js';
import { jsonLines } from './lib/output.js';
import { cpuTimeMs } from './lib/proc.js';
import { startBlasters, type Blasters } from './lib/smtp-blast.js';
import { round } from './lib/stats.js';

const { values: args } = parseArgs({
  options: {
    base: { type: 'string' },
    /** The other side, by default this build: another built checkout (e.g. main before a change). */
    this: { type: 'string' },
    pairs: { type: 'string', default: '5' },
    messages: { type: 'string', default: '4000' },
    clients: { type: 'string', default: '16' },
    warmup: { type: 'string', default: '500' },
    out: { type: 'string', default: '1000' },
    sync: { type: 'string', default: 'full' },
  },
});
const print = jsonLines('email-ab');
if (!args.base) {
  // `npm run bench` runs every script without arguments: there is nothing to compare with.
  print({ kind: 'skipped', reason: '--base DIR (a built checkout of Switchboard to compare with) not given' });
  process.exit(0);
}
const PAIRS = Number(args.pairs);
const MESSAGES = Number(args.messages);
const CLIENTS = Number(args.clients);
const WARMUP = Number(args.warmup);
const OUT = Number(args.out);
const SYNC = args.sync === 'normal' ? 'normal' : 'full';
const GATEWAY = join(fileURLToPath(new URL('.', import.meta.url)), 'lib', 'email-gateway.js');
const ROOTS = { base: resolve(args.base), this: resolve(args.this ?? fileURLToPath(new URL('../..', import.meta.url))) };

type Side = keyof typeof ROOTS;
const FIGURES = [
  'inbound_msgs_per_s',
  'inbound_cpu_us_per_msg',
  'inbound_main_thread_cpu_us_per_msg',
  'inbound_commits_per_1k_msgs',
  'inbound_wal_syncs_per_1k_msgs',
  'outbound_msgs_per_s',
  'outbound_cpu_us_per_msg',
] as const;
type Figure = (typeof FIGURES)[number];

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** A gateway process of `side`; `lines` yields what it prints, one parsed JSON line at a time. */
function startGateway(side: Side, extra: string[]) {
  const child = spawn(process.execPath, [GATEWAY, ROOTS[side], ...extra], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<Record<string, number>> => {
    const r = await lines.next();
    if (r.done) throw new Error(`${side} gateway ended without an answer (exit ${await exited})`);
    return JSON.parse(r.value) as Record<string, number>;
  };
  return { child, next, exited };
}

interface InboundFigures {
  rate: number;
  cpu: number;
  mainCpu: number;
  commits: number;
  walSyncs: number;
}

async function inbound(side: Side, blasters: Blasters, pair: number): Promise<InboundFigures> {
  const gw = startGateway(side, ['inbound', SYNC]);
  const { port } = await gw.next();
  const pid = gw.child.pid!;
  await blasters.blast(port!, `warm-${side}-${pair}`, CLIENTS, WARMUP);
  // The main thread alone (its task's stat) is the steadier figure on a loaded machine.
  const main = `${pid}/task/${pid}`;
  gw.child.stdin.write('count\n');
  const before = await gw.next();
  const cpu0 = cpuTimeMs(pid);
  const main0 = cpuTimeMs(main);
  const rate = await blasters.blast(port!, `ab-${side}-${pair}`, CLIENTS, MESSAGES);
  const cpu = cpuTimeMs(pid) - cpu0;
  const mainCpu = cpuTimeMs(main) - main0;
  gw.child.stdin.write('count\n');
  const after = await gw.next();
  gw.child.stdin.write('stop\n');
  const { committed } = await gw.next();
  await gw.exited;
  if (committed !== WARMUP + MESSAGES) throw new Error(`${side}: ${committed} mails committed, ${WARMUP + MESSAGES} sent`);
  return {
    rate,
    cpu: (cpu * 1000) / MESSAGES,
    mainCpu: (mainCpu * 1000) / MESSAGES,
    commits: ((after.commits! - before.commits!) * 1000) / MESSAGES,
    walSyncs: ((after.walSyncs! - before.walSyncs!) * 1000) / MESSAGES,
  };
}

async function outbound(side: Side, sinkPort: number): Promise<{ rate: number; cpu: number }> {
  const gw = startGateway(side, ['outbound', SYNC, String(sinkPort), String(OUT), String(CLIENTS)]);
  const r = await gw.next();
  await gw.exited;
  return { rate: r.msgs_per_s!, cpu: r.cpu_us_per_msg! };
}

async function main(): Promise<void> {
  const load0 = loadavg();
  print({ kind: 'setup', base: ROOTS.base, this: ROOTS.this, pairs: PAIRS, messages: MESSAGES, warmup: WARMUP, out: OUT, clients: CLIENTS, sync: SYNC, loadavg: load0.map((l) => round(l, 2)) });
  const blasters = await startBlasters(2);
  const sink = await startSmtpSink();
  const results: Record<Side, Record<Figure, number[]>> = {
    base: Object.fromEntries(FIGURES.map((f) => [f, []])) as unknown as Record<Figure, number[]>,
    this: Object.fromEntries(FIGURES.map((f) => [f, []])) as unknown as Record<Figure, number[]>,
  };
  try {
    for (let pair = 0; pair < PAIRS; pair++) {
      const order: Side[] = pair % 2 === 0 ? ['base', 'this'] : ['this', 'base'];
      for (const side of order) {
        const i = await inbound(side, blasters, pair);
        const o = OUT > 0 ? await outbound(side, sink.port) : { rate: NaN, cpu: NaN };
        const figures: Record<Figure, number> = {
          inbound_msgs_per_s: i.rate,
          inbound_cpu_us_per_msg: i.cpu,
          inbound_main_thread_cpu_us_per_msg: i.mainCpu,
          inbound_commits_per_1k_msgs: i.commits,
          inbound_wal_syncs_per_1k_msgs: i.walSyncs,
          outbound_msgs_per_s: o.rate,
          outbound_cpu_us_per_msg: o.cpu,
        };
        for (const f of FIGURES) results[side][f].push(figures[f]);
        print({ kind: 'run', pair, side, ...Object.fromEntries(FIGURES.map((f) => [f, round(figures[f])])), loadavg_1m: round(loadavg()[0]!, 2) });
      }
    }
  } finally {
    await sink.dispose();
    await blasters.close();
  }
  const summary: Record<string, { base: number; this: number; ratio: number }> = {};
  for (const f of FIGURES) {
    const b = median(results.base[f]);
    const t = median(results.this[f]);
    summary[f] = { base: round(b), this: round(t), ratio: round(t / b, 3) };
  }
  print({ kind: 'ab', pairs: PAIRS, loadavg_start: load0.map((l) => round(l, 2)), loadavg_end: loadavg().map((l) => round(l, 2)), medians: summary });
}

await main();
