/**
 * The active instance's lease: one row in PostgreSQL (`switchboard_lease`), renewed by a
 * heartbeat, with times taken from PostgreSQL's clock so that the instances' clocks do not
 * matter. A standby takes the row over once `expires_at` has passed, bumping the epoch; the
 * store's commits check holder and epoch (src/core/postgres/pg-commit.ts), so an old active
 * that was only paused can never write again. A lease row rather than an advisory lock: the
 * lock lives as long as a TCP connection, which a dead host can hold open for minutes.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type pg from 'pg';
import type { Logger } from 'pino';
import { migratePg } from '../core/postgres/migrations.js';
import type { Fence } from '../core/postgres/pg-commit.js';
import type { FailoverMetrics } from './metrics.js';

export interface LeaseOptions {
  name: string;
  ttlMs: number;
  heartbeatMs: number;
}

export interface LeaseInfo {
  name: string;
  /** This instance. */
  holder: string;
  role: 'active' | 'standby';
  epoch?: number;
  /** When this instance's lease lapses unless renewed (ISO), while active. */
  expiresAt?: string;
  /** Who holds it, as last seen by a standby. */
  heldBy?: string;
}

export class Lease {
  readonly holder = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private fence: Fence | undefined;
  private expiresAt: Date | undefined;
  private heldBy: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Local deadline: without a renewal by then, we must assume a standby has taken over. */
  private deadline = 0;

  constructor(
    private readonly pool: pg.Pool,
    private readonly options: LeaseOptions,
    private readonly metrics: FailoverMetrics,
    private readonly log: Logger,
  ) {}

  info(): LeaseInfo {
    return {
      name: this.options.name,
      holder: this.holder,
      role: this.fence ? 'active' : 'standby',
      ...(this.fence ? { epoch: this.fence.epoch } : {}),
      ...(this.fence && this.expiresAt ? { expiresAt: this.expiresAt.toISOString() } : {}),
      ...(!this.fence && this.heldBy ? { heldBy: this.heldBy } : {}),
    };
  }

  /** Bring the lease's database (schema) to the current migration; `acquire` does it first. */
  async prepare(): Promise<void> {
    await this.withClient((c) => migratePg(c));
  }

  /** Take the lease, trying every heartbeat until it is free or has lapsed. Rejects when aborted. */
  async acquire(signal: AbortSignal): Promise<Fence> {
    await this.prepare();
    for (;;) {
      signal.throwIfAborted();
      const started = Date.now();
      try {
        const fence = await this.tryAcquire();
        if (fence) return fence;
      } catch (err) {
        this.log.warn({ event: 'lease_error', err: (err as Error).message }, `lease: ${(err as Error).message}`);
      }
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, this.options.heartbeatMs - (Date.now() - started))));
    }
  }

  /**
   * One try (after `prepare`): take the lease when it is free or has lapsed. With `onlyLapsed`,
   * only a lease somebody held before and let lapse (a shard adopting a dead instance's slot,
   * src/failover/shard-run.ts): a slot never held is left to an instance starting up.
   */
  async tryAcquire(onlyLapsed = false): Promise<Fence | undefined> {
    const r = await this.pool.query<{ epoch: number; expires_at: Date }>(
      onlyLapsed
        ? `UPDATE switchboard_lease SET holder = $2, epoch = epoch + 1, acquired_at = now(), expires_at = now() + $3 * interval '1 millisecond'
             WHERE name = $1 AND expires_at < now() RETURNING epoch, expires_at`
        : `INSERT INTO switchboard_lease (name, holder, epoch, acquired_at, expires_at)
             VALUES ($1, $2, 1, now(), now() + $3 * interval '1 millisecond')
           ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, epoch = switchboard_lease.epoch + 1,
             acquired_at = excluded.acquired_at, expires_at = excluded.expires_at
             WHERE switchboard_lease.expires_at < now()
           RETURNING epoch, expires_at`,
      [this.options.name, this.holder, this.options.ttlMs],
    );
    const row = r.rows[0];
    if (!row) {
      const held = await this.pool.query<{ holder: string }>('SELECT holder FROM switchboard_lease WHERE name = $1', [this.options.name]);
      const before = this.heldBy;
      this.heldBy = held.rows[0]?.holder;
      if (before !== this.heldBy) this.log.info({ event: 'standby', heldBy: this.heldBy }, `standby: the lease is held by ${this.heldBy}`);
      return undefined;
    }
    this.fence = { name: this.options.name, holder: this.holder, epoch: Number(row.epoch) };
    this.expiresAt = row.expires_at;
    this.deadline = Date.now() + this.options.ttlMs;
    this.metrics.leaseChanged('acquired', true);
    this.log.info({ event: 'lease_acquired', epoch: this.fence.epoch }, `active: took the lease (epoch ${this.fence.epoch})`);
    return this.fence;
  }

  /** Renew every heartbeat; `onLost` runs once when the lease is gone or cannot be renewed in time. */
  keep(onLost: (why: string) => void): void {
    const fence = this.fence;
    if (!fence) throw new Error('keep() before acquire()');
    let lost = false;
    const lose = (why: string) => {
      if (lost) return;
      lost = true;
      this.stopTimer();
      this.fence = undefined;
      this.metrics.leaseChanged('lost', false);
      this.log.error({ event: 'lease_lost', why }, `lease lost: ${why}`);
      onLost(why);
    };
    const beat = async () => {
      try {
        const r = await this.pool.query<{ expires_at: Date }>(
          `UPDATE switchboard_lease SET expires_at = now() + $4 * interval '1 millisecond'
             WHERE name = $1 AND holder = $2 AND epoch = $3 RETURNING expires_at`,
          [fence.name, fence.holder, fence.epoch, this.options.ttlMs],
        );
        if (r.rowCount !== 1) return lose('another instance holds it');
        this.expiresAt = r.rows[0]!.expires_at;
        this.deadline = Date.now() + this.options.ttlMs;
      } catch (err) {
        // Leave a margin of one heartbeat: a standby may take over the moment it lapses.
        if (Date.now() + this.options.heartbeatMs >= this.deadline) lose(`cannot renew it: ${(err as Error).message}`);
      }
    };
    const loop = () => {
      this.timer = setTimeout(() => void beat().finally(() => !lost && this.fence && loop()), this.options.heartbeatMs);
    };
    loop();
  }

  private stopTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** A graceful stop: let a standby take over at once instead of after the expiry. */
  async release(): Promise<void> {
    this.stopTimer();
    const fence = this.fence;
    if (!fence) return;
    this.fence = undefined;
    await this.pool.query(
      `UPDATE switchboard_lease SET expires_at = now() - interval '1 millisecond' WHERE name = $1 AND holder = $2 AND epoch = $3`,
      [fence.name, fence.holder, fence.epoch],
    );
    this.metrics.leaseChanged('released', false);
    this.log.info({ event: 'lease_released' }, 'released the lease');
  }

  private async withClient<T>(f: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    try {
      return await f(c);
    } finally {
      c.release();
    }
  }
}
