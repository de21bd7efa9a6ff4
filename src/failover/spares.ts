/**
 * Spares in sharded mode (src/failover/shard-run.ts): an instance that found every slot held
 * announces itself with a row in slot 0's lease table (`spare:<holder>`, expiring like a lease,
 * renewed every heartbeat). An instance holding more than its home slot hands an adopted one
 * over while a spare is waiting, and adopts nothing meanwhile: so a killed instance that comes
 * back, or a full restart whose first instance took every slot, ends with one slot per instance.
 */
import type pg from 'pg';

const PREFIX = 'spare:';

export class SpareRegistry {
  constructor(
    private readonly pool: pg.Pool,
    private readonly ttlMs: number,
  ) {}

  /** Say (again) that `holder` waits for a slot. */
  async announce(holder: string): Promise<void> {
    await this.pool.query(
      `INSERT INTO switchboard_lease (name, holder, epoch, acquired_at, expires_at)
         VALUES ($1, $2, 0, now(), now() + $3 * interval '1 millisecond')
       ON CONFLICT (name) DO UPDATE SET expires_at = excluded.expires_at`,
      [`${PREFIX}${holder}`, holder, this.ttlMs],
    );
  }

  async withdraw(holder: string): Promise<void> {
    await this.pool.query('DELETE FROM switchboard_lease WHERE name = $1', [`${PREFIX}${holder}`]);
  }

  /** Spares seen within their ttl. */
  async waiting(): Promise<number> {
    const r = await this.pool.query<{ n: string }>(`SELECT count(*) AS n FROM switchboard_lease WHERE name LIKE '${PREFIX}%' AND expires_at > now()`);
    return Number(r.rows[0]?.n ?? 0);
  }
}
