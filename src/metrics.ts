/** The gateway's Prometheus metrics (prom-client), on a registry of its own. */
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { Direction, Store } from './core/store.js';
import { labelledFamilies, renderMerged, type MetricFamily } from './metrics-merge.js';

/** What the due-age gauge reads from an outbox lane (only the lane knows what is in flight). */
export interface WatchedLane {
  readonly bridge: string;
  readonly direction: Direction;
  oldestDueAgeMs(): number;
}

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly stanzasIn: Counter<'bridge' | 'kind'>;
  readonly stanzasOut: Counter<'bridge' | 'kind'>;
  readonly deliveries: Counter<'bridge' | 'direction' | 'outcome'>;
  readonly reconnects: Counter<'bridge'>;
  readonly stanzasOversized: Counter<'bridge'>;
  readonly componentOnline: Gauge<'bridge'>;
  readonly bridgeEvents: Counter<'bridge' | 'event'>;
  readonly bridgeCanDeliver: Gauge<'bridge'>;
  private readonly lanes: WatchedLane[] = [];
  private readonly included: Registry[] = [];
  private readonly merged: Array<() => Promise<MetricFamily[]>> = [];

  constructor(
    private readonly store: Store,
    bridges: () => string[],
  ) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'switchboard_' });
    this.stanzasIn = new Counter({
      name: 'switchboard_stanzas_in_total',
      help: 'Stanzas received from the XMPP server',
      labelNames: ['bridge', 'kind'],
      registers,
    });
    this.stanzasOut = new Counter({
      name: 'switchboard_stanzas_out_total',
      help: 'Stanzas sent to the XMPP server',
      labelNames: ['bridge', 'kind'],
      registers,
    });
    this.deliveries = new Counter({
      name: 'switchboard_deliveries_total',
      help: 'Outbox items finished, by direction (out = to the network, in = to XMPP) and outcome (done, failed, retry, dead; bounced = delivered, then bounced by the XMPP server and queued again)',
      labelNames: ['bridge', 'direction', 'outcome'],
      registers,
    });
    this.reconnects = new Counter({
      name: 'switchboard_component_reconnects_total',
      help: 'Component connection drops followed by a reconnect',
      labelNames: ['bridge'],
      registers,
    });
    this.stanzasOversized = new Counter({
      name: 'switchboard_stanzas_oversized_total',
      help: 'Stanzas from the XMPP server over xmpp.max_stanza_size, skipped and answered with policy-violation',
      labelNames: ['bridge'],
      registers,
    });
    this.componentOnline = new Gauge({ name: 'switchboard_component_online', help: '1 while the component is online', labelNames: ['bridge'], registers });
    this.bridgeCanDeliver = new Gauge({
      name: 'switchboard_bridge_can_deliver',
      help: '1 while the bridge can reach its network (Twilio API, SMTP relay, …), as it last reported',
      labelNames: ['bridge'],
      registers,
    });
    this.bridgeEvents = new Counter({ name: 'switchboard_bridge_events_total', help: 'Events counted by bridges', labelNames: ['bridge', 'event'], registers });
    new Gauge({
      name: 'switchboard_outbox_depth',
      help: 'Pending outbox items',
      labelNames: ['bridge'],
      registers,
      collect() {
        for (const b of bridges()) this.set({ bridge: b }, store.outbox.stats(b).pending);
      },
    });
    new Gauge({
      name: 'switchboard_outbox_oldest_age_seconds',
      help: 'Age of the oldest pending outbox item',
      labelNames: ['bridge'],
      registers,
      collect() {
        for (const b of bridges()) {
          const oldest = store.outbox.stats(b).oldestPendingAt;
          this.set({ bridge: b }, oldest === undefined ? 0 : (Date.now() - oldest) / 1000);
        }
      },
    });
    const lanes = this.lanes;
    new Gauge({
      name: 'switchboard_outbox_oldest_due_age_seconds',
      help: 'How long the oldest outbox item that is due and not in flight has waited; growing means stranded',
      labelNames: ['bridge', 'direction'],
      registers,
      collect() {
        for (const l of lanes) this.set({ bridge: l.bridge, direction: l.direction }, l.oldestDueAgeMs() / 1000);
      },
    });
    new Gauge({
      name: 'switchboard_dead_letters',
      help: 'Outbox items that ran out of attempts or could not be routed',
      labelNames: ['bridge'],
      registers,
      collect() {
        for (const b of bridges()) this.set({ bridge: b }, store.outbox.stats(b).dead);
      },
    });
  }

  /** Also render this registry (the lease and PostgreSQL store metrics, src/failover/metrics.ts). */
  include(registry: Registry): void {
    this.included.push(registry);
  }

  /**
   * Also render these families, merged into this registry's families of the same name (sharded
   * mode: the gateways of the slots this instance adopted, their series labelled with the slot).
   */
  merge(source: () => Promise<MetricFamily[]>): void {
    this.merged.push(source);
  }

  /** This gateway's families but the process-wide ones, each series given `labels` (for `merge`). */
  async families(labels: Record<string, string>): Promise<MetricFamily[]> {
    await this.store.flush().catch(() => undefined);
    return labelledFamilies([this.registry, ...this.included], labels);
  }

  /** Report these lanes in `switchboard_outbox_oldest_due_age_seconds`. */
  watchLanes(...lanes: WatchedLane[]): void {
    this.lanes.push(...lanes);
  }

  /**
   * The outbox gauges count committed rows: writes nobody awaited can wait `commit_delay_ms` for
   * their commit, and a scrape must not report an item that a crash could still lose. A store
   * that cannot commit is reported by /healthz; the scrape still answers.
   */
  async render(): Promise<{ contentType: string; body: string }> {
    await this.store.flush().catch(() => undefined);
    const merged = (await Promise.all(this.merged.map((m) => m()))).flat();
    if (merged.length > 0) return { contentType: this.registry.contentType, body: await renderMerged([this.registry, ...this.included], merged) };
    const body = await this.registry.metrics();
    const extra = await Promise.all(this.included.map((r) => r.metrics()));
    return { contentType: this.registry.contentType, body: [body, ...extra].join('\n') };
  }
}
