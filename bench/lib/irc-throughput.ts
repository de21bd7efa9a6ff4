/**
 * Rate, latency and CPU per message of the IRC bridge benchmark, one direction at a time: a
 * burst with `--window` in flight (`--runs` times, the median kept) and then one message at a
 * time, with the gateway's CPU time from /proc. Measured for the floors (IRC client → IRC client
 * through ngircd, XMPP client → XMPP client through Prosody) and for each gateway both ways.
 */
import type { NativeIrcUser } from '../../test/helpers/irc-native.js';
import type { TestClient } from '../../test/helpers/xmpp-client.js';
import { log, print, type IrcBenchOptions } from './irc-common.js';
import { sendMessage, xmppBodies, type BodyHook, type IrcSink } from './irc-clients.js';
import { withBridgedRoom, type Env, type Gateway } from './irc-gateways.js';
import type { LoadResult } from './load.js';
import { runOneWay } from './oneway.js';
import { cpuTimeMs, vmRssMiB } from './proc.js';
import { round, summarize, type Summary } from './stats.js';

export interface DirectionResult {
  /** The run with the median rate of `--runs` (the machine is shared: one run can be unlucky). */
  pipelined: Summary;
  sequential: Summary;
  cpu_us_per_msg?: number;
  cpu_us_per_msg_sequential?: number;
  runs: Array<{ msgs_per_s: number; cpu_us_per_msg?: number }>;
}

/** `--window` in flight for the rate (and CPU), `--runs` times, then one at a time for the latency. */
export async function measureDirection(
  opts: IrcBenchOptions,
  tag: string,
  send: (body: string) => void,
  subscribe: BodyHook,
  pid?: number,
): Promise<DirectionResult> {
  const { n, window, lat } = opts;
  await runOneWay({ n: opts.warmup, window: Math.min(window, 20), tag: `${tag}-warm`, send, subscribe });
  const loads: Array<{ summary: Summary; cpuUs?: number }> = [];
  for (let r = 0; r < opts.runs; r++) {
    const cpu0 = pid ? cpuTimeMs(pid) : 0;
    const load: LoadResult = await runOneWay({ n, window, tag: `${tag}-load${r}`, send, subscribe });
    const cpu1 = pid ? cpuTimeMs(pid) : 0;
    loads.push({ summary: summarize(load.latenciesMs, load.elapsedMs), ...(pid ? { cpuUs: round(((cpu1 - cpu0) * 1000) / n) } : {}) });
  }
  const median = [...loads].sort((a, b) => a.summary.msgs_per_s - b.summary.msgs_per_s)[Math.floor(loads.length / 2)]!;
  const cpu1 = pid ? cpuTimeMs(pid) : 0;
  const seq = await runOneWay({ n: lat, window: 1, tag: `${tag}-seq`, send, subscribe });
  const cpu2 = pid ? cpuTimeMs(pid) : 0;
  return {
    pipelined: median.summary,
    sequential: summarize(seq.latenciesMs, seq.elapsedMs),
    ...(pid ? { cpu_us_per_msg: median.cpuUs!, cpu_us_per_msg_sequential: round(((cpu2 - cpu1) * 1000) / lat) } : {}),
    runs: loads.map((l) => ({ msgs_per_s: l.summary.msgs_per_s, ...(l.cpuUs !== undefined ? { cpu_us_per_msg: l.cpuUs } : {}) })),
  };
}

export interface Floors {
  irc: DirectionResult;
  xmpp: DirectionResult;
}

/** The floors, without a gateway: `natA` → `natB` in #floor, and `bench` → `peer` as chat messages. */
export async function measureFloors(
  opts: IrcBenchOptions,
  clients: { bench: TestClient; peer: TestClient; natA: NativeIrcUser; natB: NativeIrcUser; sinkB: IrcSink },
): Promise<Floors> {
  const { bench, peer, natA, natB, sinkB } = clients;
  natA.client.join('#floor');
  natB.client.join('#floor');
  await natA.expect('join', (e) => e.nick === natB.nick);
  log('floor IRC→IRC');
  const irc = await measureDirection(opts, 'floor-irc', (b) => natA.client.say('#floor', b), sinkB('#floor'));
  print({ kind: 'floor', path: 'irc_client→ngircd→irc_client', ...irc });
  log('floor XMPP→XMPP');
  const xmpp = await measureDirection(opts, 'floor-xmpp', sendMessage(bench, peer.jid, 'chat'), xmppBodies(peer, 'chat'));
  peer.received.length = 0;
  print({ kind: 'floor', path: 'xmpp_client→prosody→xmpp_client', ...xmpp });
  return { irc, xmpp };
}

export interface ThroughputResult {
  xmpp_to_irc: DirectionResult;
  irc_to_xmpp: DirectionResult;
  vmrss_mib: number;
}

/** One gateway both ways between `env.bench` in a bridged room and `natA` in its channel. */
export async function throughput(opts: IrcBenchOptions, env: Env, gw: Gateway, natA: NativeIrcUser, sinkA: IrcSink): Promise<ThroughputResult> {
  const channel = `#tp-${gw.name}`;
  return withBridgedRoom(env, gw, natA, { channel, nick: 'Bench' }, async (running, room) => {
    log(`${gw.name}: XMPP→IRC`);
    const xmppToIrc = await measureDirection(opts, `${gw.name}-x2i`, sendMessage(env.bench, room, 'groupchat'), sinkA(channel), running.pid);
    env.bench.received.length = 0;
    log(`${gw.name}: IRC→XMPP`);
    const ircToXmpp = await measureDirection(opts, `${gw.name}-i2x`, (b) => natA.client.say(channel, b), xmppBodies(env.bench, 'groupchat'), running.pid);
    env.bench.received.length = 0;
    const result = { xmpp_to_irc: xmppToIrc, irc_to_xmpp: ircToXmpp, vmrss_mib: round(vmRssMiB(running.pid)) };
    print({ kind: 'throughput', gateway: gw.name, record_history: opts.record, n: opts.n, window: opts.window, latency_samples: opts.lat, ...result });
    return result;
  });
}
