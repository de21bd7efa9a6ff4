/**
 * A slot adopted from an instance that was frozen, not dead (a paused VM, SIGSTOP): its component
 * connections were still open when the adopter connected, and ejabberd gives a connection made
 * while every slot is held no slot at all (ejabberd_router's register_balanced_route takes a free
 * slot or nothing), nor a slot that frees later. When the frozen instance wakes, it finds its lease
 * taken and exits, which frees its slot, and it says so first with a row in the slot's lease table;
 * the adopter, seeing it, restarts its gateway on that slot so that its new connections take the
 * freed ejabberd slot (test/integration/shard.test.ts, the frozen instance).
 */
import type pg from 'pg';

const NAME = 'connections-closed';

/** The instance that lost this slot's lease is about to exit: its connections close with it. */
export async function markConnectionsClosed(pool: pg.Pool, holder: string): Promise<void> {
  await pool.query(
    `INSERT INTO switchboard_lease (name, holder, epoch, acquired_at, expires_at) VALUES ($1, $2, 0, now(), now())
     ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, acquired_at = now()`,
    [NAME, holder],
  );
}

/** Whether a lease loser marked its connections closed since the last call (the mark is consumed). */
export async function takeConnectionsClosed(pool: pg.Pool): Promise<boolean> {
  const r = await pool.query('DELETE FROM switchboard_lease WHERE name = $1', [NAME]);
  return (r.rowCount ?? 0) > 0;
}
