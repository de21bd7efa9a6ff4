/**
 * Sharded mode's inbound dedupe, shared by every slot (design.md §5a, src/failover/slots.ts).
 * Each slot's store is a schema of one database, with a dedupe per schema; but inbound SMTP and
 * webhooks land on any instance and are committed in that instance's home slot, so a Twilio or
 * SMTP retry of an acknowledged message that lands on another instance would reach the user twice.
 *
 * So one table in a schema of its own, `<lease name>_shared.inbound_dedupe`, holds the dedupe key
 * of every inbound row of every slot. An inbound row with a dedupe key is *held* from the lane
 * until its commit: that commit's transaction inserts the key (ON CONFLICT DO NOTHING) before it
 * writes the slot's rows, so the check and the commit are one atomic step. A key another slot
 * already has makes the row a duplicate: it is not written, it is deleted from the working set,
 * and `deliver` reports a duplicate (the network is acknowledged, the user gets nothing twice).
 * PostgreSQL makes a concurrent insert of the same key wait for the first transaction, then skip.
 * A key goes when its row is pruned or discarded, in the transaction that deletes the row.
 */
import type Database from 'better-sqlite3';
import type pg from 'pg';
import type { OutboxRepo, OutboxRow } from '../store.js';
import type { CommitHook, CommitPart } from './pg-commit.js';
import type { Row, SqlValue } from './tables.js';

export interface SharedDedupeOptions {
  /** The schema shared by the slots (`switchboard_shared`); created when missing. */
  schema: string;
  /** This store's slot. */
  slot: number;
}

/** Numbered migrations of the shared schema (its own version table); never edit a released one. */
const sharedMigrations = (s: string): readonly string[] => [
  // 1: the inbound dedupe keys of every slot.
  `CREATE TABLE ${s}.inbound_dedupe (
    bridge TEXT NOT NULL,
    dedupe_key TEXT NOT NULL,
    slot INTEGER NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (bridge, dedupe_key)
  )`,
  // 2: events handed to the slot that knows their message (src/core/postgres/shared-handoff.ts).
  `CREATE TABLE ${s}.handoff (
    id BIGSERIAL PRIMARY KEY,
    bridge TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    from_slot INTEGER NOT NULL,
    created_at BIGINT NOT NULL
  );
  CREATE INDEX handoff_created ON ${s}.handoff (created_at)`,
];

export function checkSchema(schema: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`shared dedupe: invalid schema name ${JSON.stringify(schema)}`);
  return schema;
}

/**
 * Create the shared schema and bring it to the current version, then record the keys of the
 * slot's inbound rows already stored (rows from before this table, or a slot adopted after an
 * upgrade): those keys are this slot's.
 */
export async function prepareSharedDedupe(client: pg.ClientBase, options: SharedDedupeOptions): Promise<void> {
  const s = checkSchema(options.schema);
  const migrations = sharedMigrations(s);
  await client.query('BEGIN');
  try {
    // The same lock as the slots' migrations (migrations.ts): instances starting together wait in turn.
    await client.query('SELECT pg_advisory_xact_lock(7310514)');
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${s}.schema_version (version INTEGER NOT NULL)`);
    const r = await client.query<{ version: number }>(`SELECT version FROM ${s}.schema_version`);
    const version = r.rows[0]?.version ?? 0;
    if (version > migrations.length) {
      throw new Error(`the shared schema ${s} (version ${version}) is newer than this Switchboard (${migrations.length}); upgrade Switchboard`);
    }
    for (const m of migrations.slice(version)) await client.query(m);
    if (r.rows.length === 0) await client.query(`INSERT INTO ${s}.schema_version (version) VALUES ($1)`, [migrations.length]);
    else await client.query(`UPDATE ${s}.schema_version SET version = $1`, [migrations.length]);
    await client.query(
      `INSERT INTO ${s}.inbound_dedupe (bridge, dedupe_key, slot, created_at)
       SELECT bridge, dedupe, $1, created_at FROM outbox WHERE direction = 'in' AND dedupe IS NOT NULL
       ON CONFLICT (bridge, dedupe_key) DO NOTHING`,
      [options.slot],
    );
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/** A held row's claim: decided by the commit that writes it. */
interface Claim {
  /** Undefined until decided; true when another slot had the key. */
  duplicate?: boolean;
}

/** The working set's side of the shared dedupe: holds, claims and forgotten keys (store.ts wires it). */
export class SharedDedupe implements CommitHook {
  private readonly held = new Map<number, Claim>();
  /** Keys of rows pruned or discarded, to delete with the next commit. */
  private forgotten: Array<[string, string]> = [];
  private readonly remove: Database.Statement;
  private readonly claimRow: Database.Statement;
  private readonly s: string;

  constructor(
    private readonly options: SharedDedupeOptions,
    db: Database.Database,
  ) {
    this.s = checkSchema(options.schema);
    this.remove = db.prepare('DELETE FROM outbox WHERE id = ?');
    this.claimRow = db.prepare('SELECT id, bridge, dedupe, created_at FROM outbox WHERE id = ?');
  }

  /** A new row was enqueued: hold it when its key must be claimed. */
  enqueued(id: number, direction: string, dedupe: string | undefined): void {
    if (direction === 'in' && dedupe !== undefined) this.held.set(id, {});
  }

  /** A row is going away (pruned, discarded): its key goes from the shared table with it. */
  forget(row: Pick<OutboxRow, 'id' | 'bridge' | 'direction' | 'dedupe'>): void {
    const claim = this.held.get(row.id);
    if (claim) {
      // Discarded before its commit: nothing was claimed, nothing to deliver.
      claim.duplicate = false;
      this.held.delete(row.id);
    } else if (row.direction === 'in' && row.dedupe !== null) this.forgotten.push([row.bridge, row.dedupe]);
  }

  isHeld(id: number): boolean {
    return this.held.has(id);
  }

  get holding(): boolean {
    return this.held.size > 0;
  }

  /** The claim of a held row (undefined when it is not held), read once `flush()` has resolved. */
  claim(id: number): Claim | undefined {
    return this.held.get(id);
  }

  /** The lane's view of due chains: a held row, and whatever follows it in its conversation, waits. */
  visible(chain: OutboxRow[]): OutboxRow[] {
    const i = chain.findIndex((r) => this.held.has(r.id));
    return i < 0 ? chain : chain.slice(0, i);
  }

  begin(outboxIds: ReadonlyArray<readonly SqlValue[]>): CommitPart | undefined {
    const claims: Row[] = [];
    if (this.held.size > 0) {
      for (const [id] of outboxIds) if (this.held.has(id as number)) claims.push(this.claimRow.get(id) as Row);
    }
    const forgotten = this.forgotten;
    this.forgotten = [];
    if (claims.length === 0 && forgotten.length === 0) return undefined;
    let lost = new Set<number>();
    return {
      run: async (client) => {
        lost = new Set<number>();
        if (forgotten.length > 0) {
          await client.query(
            `DELETE FROM ${this.s}.inbound_dedupe WHERE slot = $3 AND (bridge, dedupe_key) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
            [forgotten.map((k) => k[0]), forgotten.map((k) => k[1]), this.options.slot],
          );
        }
        if (claims.length === 0) return lost;
        // Sorted, so that two slots claiming overlapping keys take them in one order (no deadlock).
        const won = await client.query<{ bridge: string; dedupe_key: string }>(
          `INSERT INTO ${this.s}.inbound_dedupe (bridge, dedupe_key, slot, created_at)
           SELECT b, k, $3, c FROM unnest($1::text[], $2::text[], $4::bigint[]) AS t(b, k, c) ORDER BY b, k
           ON CONFLICT (bridge, dedupe_key) DO NOTHING RETURNING bridge, dedupe_key`,
          [claims.map((r) => r.bridge), claims.map((r) => r.dedupe), this.options.slot, claims.map((r) => r.created_at)],
        );
        const wonKeys = new Set(won.rows.map((r) => JSON.stringify([r.bridge, r.dedupe_key])));
        for (const r of claims) if (!wonKeys.has(JSON.stringify([r.bridge, r.dedupe]))) lost.add(r.id as number);
        return lost;
      },
      done: (committed) => {
        if (!committed) {
          // Rolled back: the rows stay held and dirty, and claim again with the next commit.
          this.forgotten.unshift(...forgotten);
          return;
        }
        for (const r of claims) {
          const id = r.id as number;
          const claim = this.held.get(id);
          if (!claim) continue;
          claim.duplicate = lost.has(id);
          this.held.delete(id);
          if (claim.duplicate) this.remove.run(id);
        }
      },
    };
  }
}

/** The outbox repo with held rows kept from the lane, and the keys of rows that go forgotten. */
export function sharedOutbox(o: OutboxRepo, shared: SharedDedupe): Pick<OutboxRepo, 'due' | 'dueFor' | 'dueHeads'> {
  return {
    due(bridge, direction, now, busy, limit, perKey) {
      const chains = o.due(bridge, direction, now, busy, limit, perKey);
      return shared.holding ? chains.map((c) => shared.visible(c)).filter((c) => c.length > 0) : chains;
    },
    dueFor(bridge, direction, okey, now, limit) {
      const chain = o.dueFor(bridge, direction, okey, now, limit);
      return shared.holding ? shared.visible(chain) : chain;
    },
    dueHeads(bridge, direction, now, limit) {
      const heads = o.dueHeads(bridge, direction, now, limit);
      return shared.holding ? heads.filter((h) => o.dueFor(bridge, direction, h.okey, now, 1).every((r) => !shared.isHeld(r.id))) : heads;
    },
  };
}
