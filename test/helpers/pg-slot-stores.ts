/**
 * One PostgreSQL server for a test file (fsync off) and the stores and pools its tests open there,
 * closed when each test ends: the set-up of the sharded-mode store tests (shared-dedupe,
 * shared-handoff), which open slot stores in one database as src/failover/slots.ts lays them out.
 */
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { PostgresStore } from '../../src/core/postgres/store.js';
import { startPostgres, type PostgresServer } from './postgres.js';

export interface SlotStoreScope {
  /** The server, once beforeAll has started it. */
  server(): PostgresServer;
  /** Stores to close when the test ends. */
  readonly opened: PostgresStore[];
  /** Pools to end when the test ends. */
  readonly pools: Array<{ end(): Promise<void> }>;
}

export function usePostgresSlotStores(): SlotStoreScope {
  let server: PostgresServer | undefined;
  const opened: PostgresStore[] = [];
  const pools: Array<{ end(): Promise<void> }> = [];
  beforeAll(async () => {
    server = await startPostgres({ fsync: false });
  });
  afterAll(async () => {
    await server?.stop();
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.closed().catch(() => undefined)));
    await Promise.all(pools.splice(0).map((p) => p.end()));
  });
  return {
    server: () => {
      if (!server) throw new Error('PostgreSQL is not started yet (use the scope inside a test)');
      return server;
    },
    opened,
    pools,
  };
}
