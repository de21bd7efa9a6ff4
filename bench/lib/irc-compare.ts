/**
 * The IRC bridge benchmark's side-by-side lines, computed from what the other sections measured:
 * each gateway's rate and latency against the floors (`vs-floors`), and, when both ran,
 * Switchboard over biboumi for rate, CPU per message, latency, VmRSS, memory per user and
 * fan-out at each K (`ratio switchboard/biboumi`).
 */
import { print } from './irc-common.js';
import type { GatewayName } from './irc-gateways.js';
import type { MemoryPoint } from './irc-scaling.js';
import type { DirectionResult, Floors, ThroughputResult } from './irc-throughput.js';
import { ratio, round } from './stats.js';

export interface Measured {
  /** Absent with --memory-only (then so is every throughput). */
  floors?: Floors;
  throughput: Map<GatewayName, ThroughputResult>;
  /** Per gateway, at each K: everyone in one channel. */
  shared: Map<GatewayName, MemoryPoint[]>;
  /** Per gateway, at each K: one channel per user. */
  solo: Map<GatewayName, MemoryPoint[]>;
}

/** Print `vs-floors` for each gateway in `gateways`, then the Switchboard/biboumi ratios if both ran. */
export function printComparisons(gateways: readonly GatewayName[], m: Measured): void {
  if (m.floors) printVsFloors(gateways, m.floors, m.throughput);
  printRatios(m);
}

function printVsFloors(gateways: readonly GatewayName[], floors: Floors, throughput: Map<GatewayName, ThroughputResult>): void {
  const { irc: ircFloor, xmpp: xmppFloor } = floors;
  const vsFloor = (d: DirectionResult) => ({
    rate_vs_irc_floor: ratio(d.pipelined.msgs_per_s, ircFloor.pipelined.msgs_per_s),
    rate_vs_xmpp_floor: ratio(d.pipelined.msgs_per_s, xmppFloor.pipelined.msgs_per_s),
    p50_vs_floors_sum: ratio(d.sequential.p50_ms, ircFloor.sequential.p50_ms + xmppFloor.sequential.p50_ms),
    p50_minus_floors_sum_ms: round(d.sequential.p50_ms - ircFloor.sequential.p50_ms - xmppFloor.sequential.p50_ms, 2),
  });
  for (const name of gateways) {
    const t = throughput.get(name);
    if (t) print({ kind: 'vs-floors', gateway: name, xmpp_to_irc: vsFloor(t.xmpp_to_irc), irc_to_xmpp: vsFloor(t.irc_to_xmpp) });
  }
}

function printRatios(m: Measured): void {
  const s = m.throughput.get('switchboard');
  const pg = m.throughput.get('switchboard-pg');
  if (s && pg) {
    const rate = (x: DirectionResult, y: DirectionResult) => ({
      postgres_msgs_per_s: x.pipelined.msgs_per_s,
      sqlite_msgs_per_s: y.pipelined.msgs_per_s,
      ratio: ratio(x.pipelined.msgs_per_s, y.pipelined.msgs_per_s),
    });
    print({ kind: 'ratio switchboard-pg/switchboard', xmpp_to_irc: rate(pg.xmpp_to_irc, s.xmpp_to_irc), irc_to_xmpp: rate(pg.irc_to_xmpp, s.irc_to_xmpp) });
  }
  const b = m.throughput.get('biboumi');
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
        // Switchboard's retained heap per user (after a forced GC) against biboumi's whole RSS per user.
        ...(x.heap_kb_per_user !== undefined && y ? { heap_kb_per_user_vs_biboumi_rss: ratio(x.heap_kb_per_user, y.kb_per_user) } : {}),
        ...(x.fanout_p50_ms !== undefined && y?.fanout_p50_ms !== undefined ? { fanout_p50: ratio(x.fanout_p50_ms, y.fanout_p50_ms) } : {}),
      };
    });
  const memoryOfBoth = (m.shared.has('switchboard') && m.shared.has('biboumi')) || (m.solo.has('switchboard') && m.solo.has('biboumi'));
  if (!(s && b) && !memoryOfBoth) return;
  print({
    kind: 'ratio switchboard/biboumi',
    ...(s && b ? { xmpp_to_irc: cmp(s.xmpp_to_irc, b.xmpp_to_irc), irc_to_xmpp: cmp(s.irc_to_xmpp, b.irc_to_xmpp) } : {}),
    shared_channel: perK(m.shared.get('switchboard'), m.shared.get('biboumi')),
    channel_per_user: perK(m.solo.get('switchboard'), m.solo.get('biboumi')),
  });
}
