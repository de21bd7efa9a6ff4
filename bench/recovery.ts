/**
 * Recovery benchmark (issue 10): how long after a server accepts connections again the gateway
 * is back — the XMPP component online, every IRC channel rejoined (the user's "Rejoined"
 * self-presences) — with the production reconnect settings, against real Prosody and ngircd:
 *
 *   - irc-outage:   the fault proxy in front of ngircd down for `--irc-outage` ms (4000), then up;
 *   - irc-kill:     ngircd killed (SIGKILL) and started again at once, gateway connected directly;
 *   - xmpp-outage:  the fault proxy in front of Prosody's component port down `--xmpp-outage` ms (3000);
 *   - xmpp-kill:    Prosody killed (SIGKILL) and started again at once, gateway connected directly.
 *
 * Each case runs `--runs` times (5) from connections that have been up for a while (the short first
 * retry is for those), and prints one JSON line: the median, min and max in ms from "accepts
 * again" to "back", next to the floor measured at the same moment in the same run (a fresh IRC
 * client registering and joining as many channels; a fresh component handshake) and their ratio.
 * For the kills it also prints what the gateway behind the proxy took (a dead server behind a
 * proxy looks like one that accepts and drops: that path gets the backoff, by design).
 *
 *   npm run build && node dist/bench/recovery.js [--runs 5] [--channels 3]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { STABLE_CONNECTION_MS } from '../src/core/backoff.js';
import { sleep, waitFor } from '../test/helpers/wait.js';
import { jsonLines } from './lib/output.js';
import { allLost, allRejoined, ircFloor, onlineAfter, watchAccepts, xmppFloor } from './lib/recovery-measure.js';
import { startRecoveryStack, type BridgedGateway, type RecoveryStack } from './lib/recovery-stack.js';
import { ratio } from './lib/stats.js';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    channels: { type: 'string', default: '3' },
    'irc-outage': { type: 'string', default: '4000' },
    'xmpp-outage': { type: 'string', default: '3000' },
  },
});
const RUNS = Number(args.runs);
const CHANNELS = Number(args.channels);
const IRC_OUTAGE_MS = Number(args['irc-outage']);
const XMPP_OUTAGE_MS = Number(args['xmpp-outage']);
const print = jsonLines('recovery');

interface Run {
  ms: number;
  floorMs: number;
  /** The gateway behind the proxies, for the kills. */
  proxiedMs?: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** Since when each gateway's connections have been up: a run starts once they are stable. */
const upSince = new Map<string, number>();
async function stable(what: string): Promise<void> {
  const since = upSince.get(what) ?? 0;
  await sleep(Math.max(0, since + STABLE_CONNECTION_MS + 200 - Date.now()));
}

async function ircOutage(stack: RecoveryStack): Promise<Run> {
  const g = stack.proxied;
  await stable('irc:proxied');
  const lostAt = Date.now();
  await stack.ircProxy.down();
  await waitFor(() => allLost(stack, g, lostAt), 'the loss told');
  await sleep(IRC_OUTAGE_MS);
  await stack.ircProxy.up();
  const upAt = Date.now();
  const floor = ircFloor(stack.ircProxy.port, CHANNELS);
  const back = await allRejoined(stack, g, upAt);
  upSince.set('irc:proxied', back);
  return { ms: back - upAt, floorMs: await floor };
}

async function ircKill(stack: RecoveryStack): Promise<Run> {
  await stable('irc:direct');
  await stable('irc:proxied');
  const watch = watchAccepts(stack.ircd.port);
  const lostAt = Date.now();
  await stack.ircd.restart(0, 'kill');
  const upAt = await waitFor(() => watch.acceptedAt(), 'ngircd accepting again');
  watch.stop();
  const floor = ircFloor(stack.ircd.port, CHANNELS);
  const [direct, proxied] = await Promise.all([allRejoined(stack, stack.direct, lostAt), allRejoined(stack, stack.proxied, lostAt)]);
  upSince.set('irc:direct', direct);
  upSince.set('irc:proxied', proxied);
  return { ms: direct - upAt, floorMs: await floor, proxiedMs: proxied - upAt };
}

async function xmppOutage(stack: RecoveryStack): Promise<Run> {
  const g = stack.proxied;
  await stable('xmpp:proxied');
  await stack.xmppProxy.down();
  await sleep(XMPP_OUTAGE_MS);
  await stack.xmppProxy.up();
  const upAt = Date.now();
  const floor = xmppFloor(stack.xmppProxy.port);
  const online = await onlineAfter(g, upAt);
  upSince.set('xmpp:proxied', online);
  return { ms: online - upAt, floorMs: await floor };
}

async function xmppKill(stack: RecoveryStack): Promise<Run> {
  await stable('xmpp:direct');
  await stable('xmpp:proxied');
  const watch = watchAccepts(stack.server.componentPort);
  const lostAt = Date.now();
  await stack.server.restart(undefined, 'kill');
  const upAt = await waitFor(() => watch.acceptedAt(), 'Prosody accepting again');
  watch.stop();
  const floor = xmppFloor(stack.server.componentPort);
  const [direct, proxied] = await Promise.all([onlineAfter(stack.direct, lostAt), onlineAfter(stack.proxied, lostAt)]);
  upSince.set('xmpp:direct', direct);
  upSince.set('xmpp:proxied', proxied);
  return { ms: direct - upAt, floorMs: await floor, proxiedMs: proxied - upAt };
}

function report(name: string, g: BridgedGateway, what: string, faultMs: number | undefined, runs: Run[]): void {
  const ms = runs.map((r) => r.ms);
  const floors = runs.map((r) => r.floorMs);
  const proxied = runs.flatMap((r) => (r.proxiedMs === undefined ? [] : [r.proxiedMs]));
  print({
    case: name,
    measures: what,
    gateway: g.name,
    ...(faultMs !== undefined ? { outage_ms: faultMs } : {}),
    channels: what === 'channels rejoined' ? CHANNELS : undefined,
    runs: runs.length,
    median_ms: median(ms),
    min_ms: Math.min(...ms),
    max_ms: Math.max(...ms),
    runs_ms: ms,
    floor_median_ms: median(floors),
    ratio_to_floor: ratio(median(ms), median(floors)),
    ...(proxied.length ? { behind_proxy_median_ms: median(proxied), behind_proxy_runs_ms: proxied } : {}),
  });
}

const root = mkdtempSync(join(tmpdir(), 'switchboard-bench-recovery-'));
const stack = await startRecoveryStack(root, CHANNELS);
const now = Date.now();
for (const key of ['irc:proxied', 'irc:direct', 'xmpp:proxied', 'xmpp:direct']) upSince.set(key, now);
try {
  const cases: Array<[string, BridgedGateway, string, number | undefined, (s: RecoveryStack) => Promise<Run>]> = [
    ['irc-outage', stack.proxied, 'channels rejoined', IRC_OUTAGE_MS, ircOutage],
    ['irc-kill', stack.direct, 'channels rejoined', undefined, ircKill],
    ['xmpp-outage', stack.proxied, 'component online', XMPP_OUTAGE_MS, xmppOutage],
    // Last: the user's own XMPP session does not survive it.
    ['xmpp-kill', stack.direct, 'component online', undefined, xmppKill],
  ];
  for (const [name, g, what, faultMs, run] of cases) {
    const runs: Run[] = [];
    for (let i = 0; i < RUNS; i++) runs.push(await run(stack));
    report(name, g, what, faultMs, runs);
  }
} finally {
  await stack.stop();
  rmSync(root, { recursive: true, force: true });
}
