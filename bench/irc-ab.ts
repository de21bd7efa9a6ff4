/**
 * IRC bridge A/B: this build against another built checkout of Switchboard (`--base DIR`, e.g.
 * `git worktree add ../base <commit> && cd ../base && npm ci && npm run build`) in ONE run,
 * against the same ngircd (no flood control) and the same Prosody, in alternating pairs (the
 * order within a pair alternates too: base-this, this-base, …), so that a machine whose load
 * drifts treats both alike. Each side of a pair is a fresh gateway process: after a warm-up,
 * `--n` messages XMPP→IRC and then IRC→XMPP with `--window` in flight, each with its rate and
 * the gateway's CPU time per message (/proc/PID/stat; the steadier figure on a shared machine).
 *
 *   npm run build && node dist/bench/irc-ab.js --base /work/base [--pairs 5] [--n 3000]
 *       [--window 100] [--warmup 300] [--record on|off]
 *
 * Prints a JSON line per side and pair, then the medians of each figure and their ratios
 * (this / base): rates above 1 and CPU per message below 1 are better than the base.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { connectNativeIrc } from '../test/helpers/irc-native.js';
import { startNgircd } from '../test/helpers/irc-ngircd.js';
import { startProsody } from '../test/helpers/prosody.js';
import { connectClient } from '../test/helpers/xmpp-client.js';
import { ircSink, sendMessage, xmppBodies } from './lib/irc-clients.js';
import { log, print } from './lib/irc-common.js';
import { SB_DOMAIN, SECRET, switchboard, withBridgedRoom, type Env, type GatewayStarter } from './lib/irc-gateways.js';
import { runOneWay } from './lib/oneway.js';
import { cpuTimeMs } from './lib/proc.js';
import { round, summarize } from './lib/stats.js';

const { values: args } = parseArgs({
  options: {
    base: { type: 'string' },
    pairs: { type: 'string', default: '5' },
    n: { type: 'string', default: '3000' },
    window: { type: 'string', default: '100' },
    warmup: { type: 'string', default: '300' },
    record: { type: 'string', default: 'on' },
  },
});
if (!args.base) {
  // `npm run bench` runs every script without arguments: there is nothing to compare with.
  print({ kind: 'skipped', reason: '--base DIR (a built checkout of Switchboard to compare with) not given' });
  process.exit(0);
}
const BASE = resolve(args.base);
const PAIRS = Number(args.pairs);
const N = Number(args.n);
const WINDOW = Number(args.window);
const WARMUP = Number(args.warmup);
const RECORD = args.record !== 'off';

type Side = 'base' | 'this';
type Figure = 'x2i_msgs_per_s' | 'x2i_cpu_us_per_msg' | 'i2x_msgs_per_s' | 'i2x_cpu_us_per_msg';
const FIGURES: readonly Figure[] = ['x2i_msgs_per_s', 'x2i_cpu_us_per_msg', 'i2x_msgs_per_s', 'i2x_cpu_us_per_msg'];

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function main(): Promise<void> {
  const { startGatewayDaemon: baseStart } = (await import(join(BASE, 'dist/test/helpers/gateway-daemon.js'))) as { startGatewayDaemon: GatewayStarter };
  const cleanups: Array<() => Promise<void>> = [];
  const root = mkdtempSync(join(tmpdir(), 'switchboard-bench-irc-ab-'));
  cleanups.push(async () => rmSync(root, { recursive: true, force: true }));
  try {
    const ircd = await startNgircd({ maxPenaltyTime: 0 });
    cleanups.push(() => ircd.stop());
    const server = await startProsody({ components: [{ domain: SB_DOMAIN, secret: SECRET }], users: [{ username: 'bench', password: 'pw-bench' }], logLevel: 'warn' });
    cleanups.push(() => server.stop());
    const bench = await connectClient(server, 'bench', 'pw-bench', 'bench');
    cleanups.push(() => bench.stop());
    const natA = await connectNativeIrc(ircd.port, 'NatA');
    cleanups.push(() => natA.quit());
    const sinkA = ircSink(natA);
    const env: Env = { server, ircd, bench, root };
    const gateways = { base: switchboard(env, RECORD, undefined, baseStart), this: switchboard(env, RECORD) };
    const load0 = loadavg();
    print({ kind: 'setup', base: BASE, pairs: PAIRS, n: N, window: WINDOW, warmup: WARMUP, record_history: RECORD, loadavg: load0.map((l) => round(l, 2)) });
    const results: Record<Side, Record<Figure, number[]>> = {
      base: { x2i_msgs_per_s: [], x2i_cpu_us_per_msg: [], i2x_msgs_per_s: [], i2x_cpu_us_per_msg: [] },
      this: { x2i_msgs_per_s: [], x2i_cpu_us_per_msg: [], i2x_msgs_per_s: [], i2x_cpu_us_per_msg: [] },
    };
    for (let pair = 0; pair < PAIRS; pair++) {
      const order: Side[] = pair % 2 === 0 ? ['base', 'this'] : ['this', 'base'];
      for (const side of order) {
        const channel = `#ab-${side}-${pair}`;
        log(`pair ${pair + 1}/${PAIRS}: ${side}`);
        const figures = await withBridgedRoom(env, gateways[side], natA, { channel, nick: `${side[0]}${pair}` }, async (running, room) => {
          const measure = async (tag: string, send: (b: string) => void, subscribe: ReturnType<typeof xmppBodies>) => {
            await runOneWay({ n: WARMUP, window: Math.min(WINDOW, 20), tag: `${tag}-warm`, send, subscribe });
            const cpu0 = cpuTimeMs(running.pid);
            const r = await runOneWay({ n: N, window: WINDOW, tag, send, subscribe });
            const cpu = cpuTimeMs(running.pid) - cpu0;
            env.bench.received.length = 0;
            return { msgs_per_s: summarize(r.latenciesMs, r.elapsedMs).msgs_per_s, cpu_us_per_msg: round((cpu * 1000) / N) };
          };
          const x2i = await measure(`${side}${pair}-x2i`, sendMessage(env.bench, room, 'groupchat'), sinkA(channel));
          const i2x = await measure(`${side}${pair}-i2x`, (b) => natA.client.say(channel, b), xmppBodies(env.bench, 'groupchat'));
          return { x2i, i2x };
        });
        results[side].x2i_msgs_per_s.push(figures.x2i.msgs_per_s);
        results[side].x2i_cpu_us_per_msg.push(figures.x2i.cpu_us_per_msg);
        results[side].i2x_msgs_per_s.push(figures.i2x.msgs_per_s);
        results[side].i2x_cpu_us_per_msg.push(figures.i2x.cpu_us_per_msg);
        print({ kind: 'run', pair, side, ...figures, loadavg_1m: round(loadavg()[0]!, 2) });
      }
    }
    const summary: Record<string, { base: number; this: number; ratio: number }> = {};
    for (const f of FIGURES) {
      const b = median(results.base[f]);
      const t = median(results.this[f]);
      summary[f] = { base: round(b), this: round(t), ratio: round(t / b, 3) };
    }
    print({ kind: 'ab', pairs: PAIRS, n: N, loadavg_start: load0.map((l) => round(l, 2)), loadavg_end: loadavg().map((l) => round(l, 2)), medians: summary });
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((err: unknown) => log(`cleanup: ${(err as Error).message}`));
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
await main();
