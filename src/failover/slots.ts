/**
 * Sharded mode's slots (design.md §5a, README "Modes"). ejabberd's `domain_balancing` with
 * `type: bare_source` and `component_number: N` gives each component domain N fixed slots,
 * filled by the connections in the order they connect; a user's stanzas always reach the slot
 * of phash2(bare JID, N), an empty slot's are dropped, and the next connection takes the free
 * slot with exactly its users (test/integration/ejabberd-balancing.test.ts).
 *
 * So Switchboard keeps one store partition per slot: a PostgreSQL schema of its own holding the
 * same tables as the active/standby store, with its own lease. Whoever holds a slot's lease runs
 * a gateway on that schema (its components, its users' IRC sessions, its outbox), exactly as an
 * active instance does; when the holder dies its lease lapses and another instance adopts the
 * slot: it opens the component connections that fill the free ejabberd slot, loads the schema,
 * and rejoins the users' rooms as after a restart. Per-user ownership is thus per slot, and an
 * outbox row is only ever delivered by the one holder of its slot's lease. The inbound dedupe
 * keys are the one thing the slots share (`sharedSchema`): mail and webhooks land on any
 * instance's home slot, and a retry landing on another must still be a duplicate there.
 */
import type pg from 'pg';
import type { LeaseInfo } from './lease.js';

/** The schema of slot `i` under a lease name (`switchboard` → `switchboard_slot_0`). */
export function slotSchema(leaseName: string, i: number): string {
  const base = leaseName.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  return `${/^[a-z_]/.test(base) ? base : `s_${base}`}_slot_${i}`;
}

/**
 * The schema the slots share (`switchboard` → `switchboard_shared`): the inbound dedupe keys of
 * every slot, so that a retried mail or webhook landing on another instance is a duplicate there
 * (src/core/postgres/shared-dedupe.ts).
 */
export function sharedSchema(leaseName: string): string {
  return slotSchema(leaseName, 0).replace(/_slot_0$/, '_shared');
}

/**
 * The store URL of a slot: the same database, with the slot's schema first on the search path
 * (libpq `options`), so the store, its migrations and its lease all live in that schema.
 */
export function slotUrl(url: string, schema: string): string {
  const u = new URL(url);
  const options = u.searchParams.get('options');
  u.searchParams.set('options', `${options ? `${options} ` : ''}-c search_path=${schema}`);
  return u.toString();
}

/** Create the slots' schemas (idempotent; several instances may start together). */
export async function createSlotSchemas(pool: pg.Pool, schemas: readonly string[]): Promise<void> {
  for (const schema of schemas) {
    try {
      await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    } catch (err) {
      // Two instances creating one schema at once: the loser gets a unique violation.
      if ((err as { code?: string }).code !== '23505') throw err;
    }
  }
}

/** One slot as /healthz shows it. */
export interface ShardSlotInfo {
  slot: number;
  schema: string;
  /** This instance runs a gateway on it. */
  held: boolean;
  /** The slot this instance took at start (its HTTP server's gateway). */
  home: boolean;
  lease: LeaseInfo;
}
