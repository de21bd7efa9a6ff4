/**
 * The IRC bridge's Prometheus metrics (design.md §8), on a registry of its own that the gateway
 * renders with its own (`ctx.metrics.include`). Connection states and send-queue depth are read
 * from the sessions at scrape time; the rest are counted as they happen.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** What the gauges read from a session. */
export interface ObservedSession {
  readonly network: string;
  readonly state: 'connecting' | 'registered' | 'reconnecting';
  readonly queued: number;
}

export class IrcMetrics {
  readonly registry = new Registry();
  readonly reconnects: Counter<'network'>;
  readonly lines: Counter<'network' | 'direction'>;
  readonly throttleWait: Histogram<'network'>;

  constructor(sessions: () => Iterable<ObservedSession>) {
    const registers = [this.registry];
    this.reconnects = new Counter({ name: 'switchboard_irc_reconnects_total', help: 'IRC reconnect attempts after a dropped connection', labelNames: ['network'], registers });
    this.lines = new Counter({
      name: 'switchboard_irc_lines_total',
      help: 'IRC lines read from the servers (in) and written through the send queue (out)',
      labelNames: ['network', 'direction'],
      registers,
    });
    this.throttleWait = new Histogram({
      name: 'switchboard_irc_throttle_wait_seconds',
      help: 'How long a line waited in the send queue (flood control) before it was written',
      labelNames: ['network'],
      buckets: [0.001, 0.01, 0.1, 0.5, 1, 2, 5, 10, 30],
      registers,
    });
    new Gauge({
      name: 'switchboard_irc_connections',
      help: 'IRC connections (one per user and network) by state: connecting, registered, reconnecting',
      labelNames: ['network', 'state'],
      registers,
      collect() {
        this.reset();
        for (const s of sessions()) this.inc({ network: s.network, state: s.state });
      },
    });
    new Gauge({
      name: 'switchboard_irc_send_queue_depth',
      help: 'Lines waiting in the send queues (flood control), summed over the connections of a network',
      labelNames: ['network'],
      registers,
      collect() {
        this.reset();
        for (const s of sessions()) this.inc({ network: s.network }, s.queued);
      },
    });
  }
}
