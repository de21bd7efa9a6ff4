// The lease in a real PostgreSQL (src/failover/lease.ts): one holder at a time, a lapsed lease
// taken over with a new epoch, and the old holder fenced: its commits fail and its heartbeat
// reports the loss.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStore, pgPool } from '../../src/core/postgres/store.js';
import { Lease } from '../../src/failover/lease.js';
import { FailoverMetrics } from '../../src/failover/metrics.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { waitFor } from '../helpers/wait.js';

let server: PostgresServer;
beforeAll(async () => {
  server = await startPostgres({ fsync: false });
});
afterAll(async () => {
  await server?.stop();
});

const log = pino({ level: 'silent' });

describe('the active lease', () => {
  it('a standby gets the lease only after it lapses, with a new epoch, and the old holder is fenced', async () => {
    const url = await server.createDatabase();
    const poolA = pgPool(url, 2);
    const poolB = pgPool(url, 2);
    const opts = { name: 'switchboard', ttlMs: 1500, heartbeatMs: 200 };
    const a = new Lease(poolA, opts, new FailoverMetrics(), log);
    const b = new Lease(poolB, opts, new FailoverMetrics(), log);
    try {
      const fenceA = await a.acquire(new AbortController().signal);
      expect(fenceA.epoch).toBe(1);
      const storeA = await openPostgresStore({ url, fence: fenceA });
      storeA.kv('irc').set('before', 1);
      await storeA.flush();

      // A does not renew (as if frozen); B waits until the 1.5 s lease lapses.
      const startedAt = Date.now();
      const takeover = b.acquire(AbortSignal.timeout(10_000));
      await waitFor(() => b.info().heldBy === a.holder, 'B sees A holding the lease');
      const fenceB = await takeover;
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(1000);
      expect(fenceB.epoch).toBe(2);
      expect(b.info()).toMatchObject({ role: 'active', epoch: 2 });

      // A wakes up: its writes are refused, and nothing of them reaches PostgreSQL. Rows of two
      // tables: the commit sends them behind the lease check at once (pipelined), and all are refused.
      storeA.kv('irc').set('after', 2);
      const late = storeA.outbox.enqueue({ direction: 'in', bridge: 'irc', user: 'a@x', okey: 'k', dedupe: 'late', payload: '{}' }, 1).id;
      await expect(storeA.flush()).rejects.toThrow(/no longer held/);
      expect(storeA.writableProblem()).toMatch(/no longer held/);
      const lost = new Promise<string>((resolve) => a.keep(resolve));
      expect(await lost).toMatch(/another instance/);
      expect(a.info().role).toBe('standby');

      const storeB = await openPostgresStore({ url, fence: fenceB });
      expect(storeB.kv('irc').get('before')).toBe(1);
      expect(storeB.kv('irc').get('after')).toBeUndefined();
      expect(storeB.outbox.get(late)).toBeUndefined();
      storeB.close();
      await storeB.closed();
      storeA.close();
      await storeA.closed().catch(() => undefined);
    } finally {
      await b.release();
      await poolA.end();
      await poolB.end();
    }
  });

  it('an idle pool survives PostgreSQL ending its connections (a restart): no uncaught error, the next query reconnects', async () => {
    const url = await server.createDatabase();
    const pool = pgPool(url, 2);
    const admin = pgPool(url, 1);
    const a = new Lease(pool, { name: 'switchboard', ttlMs: 60_000, heartbeatMs: 100 }, new FailoverMetrics(), log);
    try {
      await a.acquire(AbortSignal.timeout(5000));
      expect(pool.idleCount).toBeGreaterThan(0);
      const { rows } = await admin.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> $1', [rows[0]!.pid]);
      // The pool's idle clients got the server's FATAL: an 'error' event each, dropped from the pool.
      await waitFor(() => pool.totalCount === 0, 'the ended connections dropped from the pool');
      expect(a.info().role).toBe('active');
      await a.release();
      expect((await pool.query<{ one: number }>('SELECT 1 AS one')).rows[0]?.one).toBe(1);
    } finally {
      await pool.end();
      await admin.end();
    }
  });

  it('a released lease is taken at once', async () => {
    const url = await server.createDatabase();
    const pool = pgPool(url, 2);
    const opts = { name: 'switchboard', ttlMs: 60_000, heartbeatMs: 100 };
    const a = new Lease(pool, opts, new FailoverMetrics(), log);
    const b = new Lease(pool, opts, new FailoverMetrics(), log);
    try {
      await a.acquire(new AbortController().signal);
      a.keep(() => undefined);
      await a.release();
      const fence = await b.acquire(AbortSignal.timeout(5000));
      expect(fence.epoch).toBe(2);
      await b.release();
    } finally {
      await pool.end();
    }
  });
});
