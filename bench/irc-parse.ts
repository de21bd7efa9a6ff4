/**
 * IRC line parsing (issue 11): irc-framework's parser behind bridges/irc/client/line.ts against the
 * bridge's own parser it replaced (bench/lib/irc-line-legacy.ts), on the same 100,000 typical lines
 * (a third each: PRIVMSG with server-time, msgid and account tags; NAMES 353 with 30 members; JOIN).
 * Rounds alternate between the two so that a noisy neighbour slows both; the figure is each
 * parser's median round in CPU time, and the ratio new / old (> 1: the new one is slower). Prints JSON lines.
 *
 * Run: npm run build && node dist/bench/irc-parse.js [--lines 100000] [--rounds 7]
 */
import { parseLine, type IrcLine } from '../bridges/irc/client/line.js';
import { arg } from './lib/args.js';
import { parseLineLegacy } from './lib/irc-line-legacy.js';
import { metricLines } from './lib/output.js';
import { percentile } from './lib/stats.js';

const emit = metricLines('irc-parse');
const count = Number(arg('lines', '100000'));
const rounds = Number(arg('rounds', '7'));

const names = Array.from({ length: 30 }, (_, i) => `${i % 5 === 0 ? '@' : i % 7 === 0 ? '+' : ''}user${i}`).join(' ');
const lines = Array.from({ length: count }, (_, i) => {
  switch (i % 3) {
    case 0:
      return `@time=2026-12-04T03:40:${String(i % 60).padStart(2, '0')}.123Z;msgid=Zm9v${i};account=alice :alice${i % 50}!~alice@host-${i % 50}.example.net PRIVMSG #switchboard :hello there, message number ${i}`;
    case 1:
      return `:irc.example.net 353 gateway = #switchboard :${names}`;
    default:
      return `:bob${i % 50}!~bob@192.0.2.${i % 250} JOIN #switchboard`;
  }
});

/**
 * CPU milliseconds (user + system: a core taken by a neighbour does not count) to parse every
 * line once; the params are counted so the work cannot be skipped.
 */
function round(parse: (raw: string) => IrcLine | undefined): { ms: number; params: number } {
  let params = 0;
  const start = process.cpuUsage();
  for (const raw of lines) params += parse(raw)!.params.length;
  const used = process.cpuUsage(start);
  return { ms: (used.user + used.system) / 1000, params };
}

const parsers = { old: parseLineLegacy, new: parseLine } as const;
const times: Record<keyof typeof parsers, number[]> = { old: [], new: [] };
// Both agree on what they read, or the comparison means nothing.
for (const raw of lines.slice(0, 3)) if (JSON.stringify(parseLineLegacy(raw)) !== JSON.stringify(parseLine(raw))) throw new Error(`parsers differ on ${raw}`);
round(parseLineLegacy);
round(parseLine); // warm-up: both JIT-compiled before the first measured round
for (let r = 0; r < rounds; r++) {
  for (const name of r % 2 === 0 ? (['old', 'new'] as const) : (['new', 'old'] as const)) times[name].push(round(parsers[name]).ms);
}
const median = (xs: number[]) =>
  percentile(
    [...xs].sort((a, b) => a - b),
    50,
  );
for (const name of ['old', 'new'] as const) {
  const ms = median(times[name]);
  emit('lines_per_s', (count / ms) * 1000, {
    parser: name === 'old' ? 'bridge (before issue 11)' : 'irc-framework',
    lines: count,
    rounds,
    median_cpu_ms: Math.round(ms * 100) / 100,
  });
}
emit('ratio_new_over_old_time', median(times.new) / median(times.old), { lines: count, rounds });
