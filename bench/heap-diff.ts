/**
 * What a bridged IRC user and a channel occupant cost in Switchboard's heap, and what holds it
 * (issue 15). Against one ngircd and one Prosody, for each layout a fresh gateway (node
 * --expose-gc and its bench probe, src/bench-probe.ts) gets `--n` users joined, then a heap
 * snapshot (after a forced GC), `--n` more, another snapshot; the objects added between the two
 * (bench/lib/heap-snapshot.ts) are printed per added user, by constructor and by retainer:
 *
 *   - `channel-per-user`: each user in a channel of their own: the cost per bridged user;
 *   - `shared`: everyone in one channel: the cost per occupant (a user and an occupant of the
 *     one room, seen by all the others).
 *
 *   npm run build && node dist/bench/heap-diff.js [--n 100] [--layouts channel-per-user,shared]
 *       [--top 15] [--keep DIR]
 *
 * `--keep DIR` copies the snapshots there (open them in Chrome DevTools, Memory tab, Comparison).
 * `--compare BEFORE,AFTER --n N` diffs two kept snapshots of one process instead, N users apart.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { diffHeaps, readHeapSnapshot, type Row } from './lib/heap-snapshot.js';
import { joinRoom } from './lib/irc-clients.js';
import { pool } from './lib/irc-common.js';
import { roomOf, switchboard, type Env } from './lib/irc-gateways.js';
import { connectUsers, type BridgedUser, type Layout } from './lib/irc-scaling.js';
import { startIrcBenchEnv } from './lib/irc-env.js';
import { jsonLines } from './lib/output.js';
import { round } from './lib/stats.js';

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '100' },
    layouts: { type: 'string', default: 'channel-per-user,shared' },
    top: { type: 'string', default: '15' },
    keep: { type: 'string' },
    compare: { type: 'string' },
  },
  // `npm run bench` passes every script the same arguments.
  strict: false,
});
const N = Number(args.n);
const LAYOUTS = String(args.layouts).split(',') as Layout[];
const TOP = Number(args.top);
const KEEP = typeof args.keep === 'string' ? args.keep : undefined;
const print = jsonLines('heap-diff');
const log = (text: string): void => void process.stderr.write(`[heap-diff ${new Date().toISOString().slice(11, 19)}] ${text}\n`);

const perUser = (rows: Row[]) => rows.map((r) => ({ what: r.label, bytes_per_user: round(r.bytes / N), objects_per_user: round(r.count / N, 2) }));

function report(before: string, after: string, layout: string): void {
  const diff = diffHeaps(readHeapSnapshot(before), readHeapSnapshot(after), TOP);
  const per = layout === 'shared' ? 'occupant' : layout === 'channel-per-user' ? 'bridged user' : 'added user';
  const { bytes, dataBytes, count } = diff.added;
  print({
    kind: 'added',
    layout,
    per,
    n: N,
    bytes_per_user: round(bytes / N),
    data_bytes_per_user: round(dataBytes / N),
    objects_per_user: round(count / N, 1),
  });
  print({ kind: 'by-constructor', layout, per, top: perUser(diff.byConstructor) });
  print({ kind: 'by-retainer', layout, per, top: perUser(diff.byRetainer) });
}

async function measure(env: Env, users: readonly BridgedUser[], layout: Layout): Promise<void> {
  const gw = switchboard(env, true);
  const running = await gw.start({ probe: true });
  try {
    const joinUsers = (from: number, to: number) =>
      pool(users.slice(from, to), 25, (u) =>
        joinRoom(u.client, roomOf(gw, layout === 'shared' ? '#heap-shared' : `#heap-solo-${u.index}`), gw.nick(`h${u.index}`)),
      );
    await joinUsers(0, N);
    const first = await running.probe!.heapSnapshot();
    log(`${layout}: ${N} users, snapshot ${basename(first)}`);
    await joinUsers(N, 2 * N);
    const second = await running.probe!.heapSnapshot();
    log(`${layout}: ${2 * N} users, snapshot ${basename(second)}; reading both`);
    if (KEEP) {
      mkdirSync(KEEP, { recursive: true });
      for (const f of [first, second]) copyFileSync(f, join(KEEP, `${layout}-${basename(f)}`));
    }
    report(first, second, layout);
  } finally {
    await running.stop();
  }
}

async function main(): Promise<void> {
  if (typeof args.compare === 'string') {
    const [before, after] = args.compare.split(',') as [string, string];
    return report(before, after, /shared/.test(after) ? 'shared' : /channel-per-user/.test(after) ? 'channel-per-user' : 'compare');
  }
  const cleanups: Array<() => Promise<void>> = [];
  const root = mkdtempSync(join(tmpdir(), 'switchboard-bench-heap-'));
  cleanups.push(async () => rmSync(root, { recursive: true, force: true }));
  try {
    print({ kind: 'setup', node: process.version, n: N, layouts: LAYOUTS, loadavg_1m: round(loadavg()[0]!, 2) });
    const env = await startIrcBenchEnv(root, cleanups);
    const { server } = env;
    const users = await connectUsers(server, 2 * N);
    cleanups.push(async () => void (await pool(users, 50, (u) => u.client.stop())));
    for (const layout of LAYOUTS) await measure(env, users, layout);
    print({ kind: 'done', loadavg_1m: round(loadavg()[0]!, 2) });
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((err: unknown) => log(`cleanup: ${(err as Error).message}`));
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
await main();
