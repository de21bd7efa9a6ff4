/** Metrics of the lease and the PostgreSQL store, on a registry the gateway's /metrics includes. */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export class FailoverMetrics {
  readonly registry = new Registry();
  private readonly changes: Counter<'event'>;
  private readonly active: Gauge;
  private readonly commit: Histogram;
  private readonly commitRows: Counter;
  private readonly slots: Gauge;

  constructor() {
    const registers = [this.registry];
    this.changes = new Counter({
      name: 'switchboard_lease_changes_total',
      help: 'Changes of this instance\'s lease: acquired (became active), lost (another took over, or no renewal in time), released (graceful stop)',
      labelNames: ['event'],
      registers,
    });
    this.active = new Gauge({ name: 'switchboard_lease_active', help: '1 while this instance holds the lease (active), 0 while standby', registers });
    this.commit = new Histogram({
      name: 'switchboard_store_commit_seconds',
      help: 'Time of one group commit to PostgreSQL (store latency: what an acknowledgement waits for)',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.commitRows = new Counter({ name: 'switchboard_store_committed_rows_total', help: 'Rows written to PostgreSQL by group commits', registers });
    this.slots = new Gauge({ name: 'switchboard_shard_slots_held', help: 'Sharded mode: the slots this instance runs a gateway on (its home and those it adopted)', registers });
    this.active.set(0);
  }

  slotsHeld(n: number): void {
    this.slots.set(n);
  }

  leaseChanged(event: 'acquired' | 'lost' | 'released', active: boolean): void {
    this.changes.inc({ event });
    this.active.set(active ? 1 : 0);
  }

  committed(seconds: number, rows: number): void {
    this.commit.observe(seconds);
    this.commitRows.inc(rows);
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
