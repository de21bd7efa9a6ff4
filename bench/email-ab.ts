/**
 * Email bridge A/B: this build's `bench/email.js` against another built checkout's (`--base DIR`,
 * e.g. `git worktree add ../base <commit> && cd ../base && npm ci && npm run build`) in ONE run,
 * in alternating pairs (base-this, this-base, …) so that a machine whose load drifts treats both
 * alike. Each side of a pair is a fresh process of that checkout's own script with the same
 * arguments: inbound SMTP ingest with durable commit (messages/s and CPU ms per message), and
 * outbound to the aiosmtpd sink and to a bare 250 sink.
 *
 *   npm run build && node dist/bench/email-ab.js --base /work/base [--pairs 5] [--messages 4000]
 *       [--clients 16] [--sync full|normal]
 *
 * Prints a JSON line per side and pair, then the medians of each figure and their ratios
 * (this / base): rates above 1 and CPU per message below 1 are better than the base.
 */
import { execFile } from 'node:child_process';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { jsonLines } from './lib/output.js';
import { round } from './lib/stats.js';

const { values: args } = parseArgs({
  options: {
    base: { type: 'string' },
    pairs: { type: 'string', default: '5' },
    messages: { type: 'string', default: '4000' },
    clients: { type: 'string', default: '16' },
    sync: { type: 'string', default: 'full' },
  },
});
const print = jsonLines('email-ab');
if (!args.base) {
  // `npm run bench` runs every script without arguments: there is nothing to compare with.
  print({ kind: 'skipped', reason: '--base DIR (a built checkout of Switchboard to compare with) not given' });
  process.exit(0);
}
const BASE = resolve(args.base);
const PAIRS = Number(args.pairs);

type Side = 'base' | 'this';
const FIGURES = ['inbound_gateway_msgs_per_s', 'inbound_gateway_cpu_ms_per_msg', 'inbound_floor_msgs_per_s', 'outbound_msgs_per_s', 'outbound_to_bare_sink_msgs_per_s'] as const;
type Figure = (typeof FIGURES)[number];

const scripts: Record<Side, string> = {
  base: join(BASE, 'dist/bench/email.js'),
  this: join(fileURLToPath(new URL('.', import.meta.url)), 'email.js'),
};

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** One run of a side's email bench: its figures by metric name. */
function runOnce(side: Side): Promise<Record<Figure, number>> {
  const argv = [scripts[side], '--messages', args.messages!, '--clients', args.clients!, '--sync', args.sync!];
  return new Promise((done, fail) => {
    execFile(process.execPath, argv, { maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) return fail(new Error(`${side} email bench failed: ${stderr}`, { cause: err }));
      const figures: Partial<Record<Figure, number>> = {};
      for (const line of stdout.split('\n')) {
        if (!line.startsWith('{')) continue;
        const record = JSON.parse(line) as { metric?: string; value?: number };
        if ((FIGURES as readonly string[]).includes(record.metric ?? '') && typeof record.value === 'number') figures[record.metric as Figure] = record.value;
      }
      const missing = FIGURES.filter((f) => figures[f] === undefined);
      if (missing.length) return fail(new Error(`${side} email bench printed no ${missing.join(', ')}`));
      done(figures as Record<Figure, number>);
    });
  });
}

async function main(): Promise<void> {
  const load0 = loadavg();
  print({ kind: 'setup', base: BASE, pairs: PAIRS, messages: Number(args.messages), clients: Number(args.clients), sync: args.sync, loadavg: load0.map((l) => round(l, 2)) });
  const results: Record<Side, Record<Figure, number[]>> = {
    base: Object.fromEntries(FIGURES.map((f) => [f, []])) as unknown as Record<Figure, number[]>,
    this: Object.fromEntries(FIGURES.map((f) => [f, []])) as unknown as Record<Figure, number[]>,
  };
  for (let pair = 0; pair < PAIRS; pair++) {
    const order: Side[] = pair % 2 === 0 ? ['base', 'this'] : ['this', 'base'];
    for (const side of order) {
      const figures = await runOnce(side);
      for (const f of FIGURES) results[side][f].push(figures[f]);
      print({ kind: 'run', pair, side, ...figures, loadavg_1m: round(loadavg()[0]!, 2) });
    }
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
