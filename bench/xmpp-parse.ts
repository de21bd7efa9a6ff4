/**
 * The XMPP stream parser (src/xmpp/stream-parser.ts) alone, in this process: typical groupchat
 * message stanzas as the XMPP server routes them to the component (addressing, id, body,
 * origin-id), in reads of `--batch` stanzas, `--n` stanzas per run. With `--base DIR` (another
 * built checkout whose dist/src/xmpp/stream-parser.js has the same interface) the two parsers
 * run in alternating rounds in this one process, and the ratio of their medians is printed.
 *
 *   npm run build && node dist/bench/xmpp-parse.js [--n 50000] [--batch 20] [--rounds 7] [--base DIR]
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { StreamParser } from '../src/xmpp/stream-parser.js';
import { jsonLines } from './lib/output.js';
import { round } from './lib/stats.js';

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '50000' },
    batch: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '7' },
    base: { type: 'string' },
  },
});
const N = Number(args.n);
const BATCH = Number(args.batch);
const ROUNDS = Number(args.rounds);
const print = jsonLines('xmpp-parse');

type ParserClass = typeof StreamParser;

const HEADER = `<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' from='irc.localhost' id='s1'>`;
const stanza = (i: number): string =>
  `<message xmlns='jabber:component:accept' from='bench@localhost/bench' to='#tp%bench@irc.localhost' type='groupchat' id='m-${i}'>` +
  `<body>bench-x2i-${i} some words of a message</body><origin-id xmlns='urn:xmpp:sid:0' id='o-${i}'/></message>`;

/** CPU microseconds per stanza through `Parser`. */
function run(Parser: ParserClass): number {
  const reads: Buffer[] = [];
  for (let i = 0; i < N; i += BATCH) {
    let text = '';
    for (let j = i; j < Math.min(N, i + BATCH); j++) text += stanza(j);
    reads.push(Buffer.from(text, 'utf8'));
  }
  const parser = new Parser(262_144);
  let seen = 0;
  parser.on('stanza', () => void seen++);
  parser.write(HEADER);
  // CPU time, not wall time: on a shared machine the wall clock counts other processes' turns.
  const t0 = process.cpuUsage();
  for (const r of reads) parser.write(r);
  const used = process.cpuUsage(t0);
  const us = (used.user + used.system) / N;
  if (seen !== N) throw new Error(`parsed ${seen} of ${N} stanzas`);
  return us;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const base = args.base ? ((await import(join(resolve(args.base), 'dist/src/xmpp/stream-parser.js'))) as { StreamParser: ParserClass }).StreamParser : undefined;
const results: { this: number[]; base: number[] } = { this: [], base: [] };
run(StreamParser); // warm-up
if (base) run(base);
for (let r = 0; r < ROUNDS; r++) {
  results.this.push(run(StreamParser));
  if (base) results.base.push(run(base));
}
const mine = median(results.this);
print({ kind: 'parse', n: N, batch: BATCH, rounds: ROUNDS, cpu_us_per_stanza: round(mine, 2), ...(base ? { base_cpu_us_per_stanza: round(median(results.base), 2), ratio: round(mine / median(results.base), 3) } : {}) });
