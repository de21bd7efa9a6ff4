/**
 * Group commit to PostgreSQL. The active instance's working set lives in an in-memory SQLite
 * database (so reads stay synchronous, as the outbox lane needs); every write marks its row
 * dirty here. Once per event-loop turn (or right after the running commit) the dirty rows are
 * read from memory and written to PostgreSQL in one transaction; `flush()` resolves only when a
 * transaction holding every write made before it has committed. That is what makes an SMTP 250
 * or a Twilio 200 safe: what is acknowledged is in PostgreSQL first.
 *
 * Fencing: each transaction first locks the lease row and checks that this instance still holds
 * it (same holder and epoch). A standby that took the lease over makes every later commit of the
 * old active fail, so an instance that lost its lease can never overwrite the new one's rows.
 */
import type Database from 'better-sqlite3';
import type pg from 'pg';
import { deleteKeys, sqliteRowReader, TABLES, upsertRows, type Row, type SqlValue, type TableSpec } from './tables.js';

export interface Fence {
  name: string;
  holder: string;
  epoch: number;
}

export class LeaseLostError extends Error {}

/** Work a commit does in its transaction beyond the mirrored rows (sharded mode's shared dedupe). */
export interface CommitHook {
  /** At the snapshot, synchronously: this commit's part, given the outbox rows it writes. */
  begin(outboxUpserts: readonly Row[]): CommitPart | undefined;
}

export interface CommitPart {
  /** In the transaction, after the fence check, before the rows: the outbox ids not to write. */
  run(client: pg.ClientBase): Promise<ReadonlySet<number>>;
  /** The transaction committed (before anyone waiting on `flush()` hears of it), or rolled back. */
  done(committed: boolean): void;
}

type Batch = Array<{ table: TableSpec; upserts: Row[]; deletes: SqlValue[][] }>;

interface Waiter {
  resolve: () => void;
  reject: (err: Error) => void;
}

export class PgCommitter {
  private dirty = new Map<string, Map<string, SqlValue[]>>();
  private dirtyCount = 0;
  private waiters: Waiter[] = [];
  private running: Promise<void> | undefined;
  private runningWaiters: Waiter[] = [];
  private scheduled: NodeJS.Immediate | undefined;
  private readonly readers: Map<string, (key: readonly SqlValue[]) => Row | undefined>;
  lastError: Error | undefined;
  private closed = false;

  constructor(
    private readonly pool: pg.Pool,
    db: Database.Database,
    private readonly fence: Fence | undefined,
    private readonly onError: (err: Error) => void,
    private readonly onCommit: (seconds: number, rows: number) => void = () => undefined,
    private readonly hook?: CommitHook,
  ) {
    this.readers = new Map(TABLES.map((t) => [t.name, sqliteRowReader(db, t)]));
  }

  /** A row of `table` changed (inserted, updated or deleted) in memory. */
  mark(table: string, key: SqlValue[]): void {
    let keys = this.dirty.get(table);
    if (!keys) this.dirty.set(table, (keys = new Map<string, SqlValue[]>()));
    const k = JSON.stringify(key);
    if (!keys.has(k)) {
      keys.set(k, key);
      this.dirtyCount++;
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.running || this.closed) return;
    this.scheduled = setImmediate(() => {
      this.scheduled = undefined;
      this.start();
    });
  }

  flush(): Promise<void> {
    if (this.dirtyCount === 0 && !this.running) return this.lastError ? Promise.reject(this.lastError) : Promise.resolve();
    return new Promise((resolve, reject) => {
      if (this.dirtyCount > 0) {
        this.waiters.push({ resolve, reject });
        this.schedule();
      } else this.runningWaiters.push({ resolve, reject });
    });
  }

  private start(): void {
    if (this.running || this.dirtyCount === 0) return;
    // Snapshot synchronously: the rows as they are at this instant, every later write waits.
    const batch: Batch = [];
    for (const table of TABLES) {
      const keys = this.dirty.get(table.name);
      if (!keys) continue;
      const read = this.readers.get(table.name)!;
      const upserts: Row[] = [];
      const deletes: SqlValue[][] = [];
      for (const key of keys.values()) {
        const row = read(key);
        if (row) upserts.push(row);
        else deletes.push(key);
      }
      batch.push({ table, upserts, deletes });
    }
    const taken = this.dirty;
    const rows = this.dirtyCount;
    this.dirty = new Map();
    this.dirtyCount = 0;
    const waiters = this.waiters;
    this.waiters = [];
    this.runningWaiters = waiters;
    const part = this.hook?.begin(batch.find((b) => b.table.name === 'outbox')?.upserts ?? []);
    const started = process.hrtime.bigint();
    this.running = this.write(batch, part)
      .then(
        () => {
          part?.done(true);
          this.lastError = undefined;
          this.onCommit(Number(process.hrtime.bigint() - started) / 1e9, rows);
          for (const w of this.runningWaiters) w.resolve();
        },
        (err: unknown) => {
          const error = err instanceof Error ? err : new Error(String(err));
          part?.done(false);
          this.lastError = error;
          // Not lost: the rows stay dirty and go with the next commit (their current state).
          for (const [table, keys] of taken)
            for (const [k, key] of keys) {
              let mine = this.dirty.get(table);
              if (!mine) this.dirty.set(table, (mine = new Map<string, SqlValue[]>()));
              if (!mine.has(k)) {
                mine.set(k, key);
                this.dirtyCount++;
              }
            }
          for (const w of this.runningWaiters) w.reject(error);
          this.onError(error);
        },
      )
      .finally(() => {
        this.running = undefined;
        this.runningWaiters = [];
        if (this.dirtyCount === 0 || this.closed) return;
        // After a failure, retry a little later rather than in a tight loop.
        if (this.lastError) setTimeout(() => this.schedule(), 500).unref();
        else this.schedule();
      });
  }

  private async write(batch: Batch, part: CommitPart | undefined): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      if (this.fence) {
        const r = await client.query('SELECT 1 FROM switchboard_lease WHERE name = $1 AND holder = $2 AND epoch = $3 FOR SHARE', [
          this.fence.name,
          this.fence.holder,
          this.fence.epoch,
        ]);
        if (r.rowCount !== 1) throw new LeaseLostError(`the lease "${this.fence.name}" is no longer held by ${this.fence.holder} (epoch ${this.fence.epoch})`);
      }
      const skip = part ? await part.run(client) : undefined;
      for (const { table, upserts, deletes } of batch) {
        const rows = skip?.size && table.name === 'outbox' ? upserts.filter((r) => !skip.has(r.id as number)) : upserts;
        if (deletes.length > 0) await deleteKeys(client, table, deletes);
        if (rows.length > 0) await upsertRows(client, table, rows);
      }
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  /** Commit what is dirty and stop scheduling. */
  async close(): Promise<void> {
    await this.flush().catch(() => undefined);
    this.closed = true;
    if (this.scheduled) clearImmediate(this.scheduled);
  }
}
