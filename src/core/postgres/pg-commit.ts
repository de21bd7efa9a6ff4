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
import { dirtyRowsReader, type DirtyRows } from './dirty-rows.js';
import { deleteKeys, TABLES, upsertJson, type SqlValue, type Statement, type TableSpec } from './tables.js';

export interface Fence {
  name: string;
  holder: string;
  epoch: number;
}

export class LeaseLostError extends Error {}

/** Work a commit does in its transaction beyond the mirrored rows (sharded mode's shared dedupe). */
export interface CommitHook {
  /** At the snapshot, synchronously: this commit's part, given the ids of the outbox rows it writes. */
  begin(outboxIds: ReadonlyArray<readonly SqlValue[]>): CommitPart | undefined;
}

export interface CommitPart {
  /** In the transaction, after the fence check, before the rows: the outbox ids not to write. */
  run(client: pg.ClientBase): Promise<ReadonlySet<number>>;
  /** The transaction committed (before anyone waiting on `flush()` hears of it), or rolled back. */
  done(committed: boolean): void;
}

/**
 * The fence: locks the lease row (FOR SHARE, so a takeover waits for this commit) and raises when
 * this instance no longer holds it. 1 / count(*) is the raise: an aggregate, so PostgreSQL cannot
 * fold it when it plans the statement, and plain SQL has no RAISE.
 */
const FENCE = {
  name: 'switchboard_fence',
  text: `SELECT 1 / count(*) FROM (SELECT 1 FROM switchboard_lease WHERE name = $1 AND holder = $2 AND epoch = $3 FOR SHARE) AS held`,
};
/** SQLSTATE division_by_zero: the fence's raise. */
const DIVISION_BY_ZERO = '22012';

type DirtyKey = string | number;
/** The outbox's keys are one number: used as they are, without a JSON string per write. */
const dirtyKey = (key: readonly SqlValue[]): DirtyKey => (key.length === 1 && typeof key[0] === 'number' ? key[0] : JSON.stringify(key));

type Batch = Array<{ table: TableSpec; rows: DirtyRows }>;

/** The JSON rows without those of `ids`. */
function withoutIds(json: string, ids: ReadonlySet<number>): string {
  return JSON.stringify((JSON.parse(json) as Array<{ id: number }>).filter((r) => !ids.has(r.id)));
}

interface Waiter {
  resolve: () => void;
  reject: (err: Error) => void;
}

export class PgCommitter {
  /** Per table, the dirty keys (a one-number key by itself, others as JSON). */
  private dirty = new Map<string, Map<DirtyKey, SqlValue[]>>();
  private dirtyCount = 0;
  private waiters: Waiter[] = [];
  private running: Promise<void> | undefined;
  private runningWaiters: Waiter[] = [];
  private scheduled: NodeJS.Immediate | undefined;
  private readonly readers: Map<string, ReturnType<typeof dirtyRowsReader>>;
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
    this.readers = new Map(TABLES.map((t) => [t.name, dirtyRowsReader(db, t)]));
  }

  /** A row of `table` changed (inserted, updated or deleted) in memory. */
  mark(table: string, key: SqlValue[]): void {
    let keys = this.dirty.get(table);
    if (!keys) this.dirty.set(table, (keys = new Map<DirtyKey, SqlValue[]>()));
    const k = dirtyKey(key);
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
      batch.push({ table, rows: this.readers.get(table.name)!([...keys.values()]) });
    }
    const taken = this.dirty;
    const rows = this.dirtyCount;
    this.dirty = new Map();
    this.dirtyCount = 0;
    const waiters = this.waiters;
    this.waiters = [];
    this.runningWaiters = waiters;
    const part = this.hook?.begin(batch.find((b) => b.table.name === 'outbox')?.rows.present ?? []);
    const started = process.hrtime.bigint();
    this.running = this.write(batch, part).then(
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
        for (const [table, keys] of taken) for (const [k, key] of keys) {
          let mine = this.dirty.get(table);
          if (!mine) this.dirty.set(table, (mine = new Map<DirtyKey, SqlValue[]>()));
          if (!mine.has(k)) {
            mine.set(k, key);
            this.dirtyCount++;
          }
        }
        for (const w of this.runningWaiters) w.reject(error);
        this.onError(error);
      },
    ).finally(() => {
      this.running = undefined;
      this.runningWaiters = [];
      if (this.dirtyCount === 0 || this.closed) return;
      // After a failure, retry a little later rather than in a tight loop.
      if (this.lastError) setTimeout(() => this.schedule(), 500).unref();
      else this.schedule();
    });
  }

  /**
   * One transaction, pipelined (the pool's connections run in pg's pipeline mode, store.ts):
   * BEGIN, the fence, every row statement and COMMIT go out at once, so a commit costs one round
   * trip plus PostgreSQL's flush of its WAL, not one per statement. Only a commit hook's queries
   * (sharded mode) wait for their answers in between.
   *
   * The fence fails in the server, not in this process: when the lease is not held, its statement
   * raises, the transaction is aborted, every statement after it is refused, and the COMMIT
   * behind them ends as a rollback. Nothing is written whatever this process does next.
   */
  private async write(batch: Batch, part: CommitPart | undefined): Promise<void> {
    const client = await this.pool.connect();
    const sent: Array<{ reply: Promise<pg.QueryResult>; fence?: true }> = [];
    const send = (query: string | Statement, fence?: true): void => {
      const reply = client.query(query);
      reply.catch(() => undefined); // read in order below; an early failure must not be unhandled
      sent.push({ reply, ...(fence ? { fence } : {}) });
    };
    let broken = false;
    try {
      send('BEGIN');
      if (this.fence) send({ ...FENCE, values: [this.fence.name, this.fence.holder, this.fence.epoch] }, true);
      const skip = part ? await part.run(client) : undefined;
      for (const { table, rows } of batch) {
        if (rows.gone.length > 0) send(deleteKeys(table, rows.gone));
        // Rows the hook found to be duplicates (rare) are left out: only then is the JSON parsed.
        const json = skip?.size && table.name === 'outbox' ? withoutIds(rows.json, skip) : rows.json;
        if (rows.present.length > 0) send(upsertJson(table, json));
      }
      send('COMMIT');
      await this.firstFailure(sent);
      // A COMMIT of an aborted transaction answers ROLLBACK, not an error: never report that as committed.
      const commit = await sent[sent.length - 1]!.reply;
      if (commit.command !== 'COMMIT') throw new Error(`the commit ended as ${commit.command}`);
    } catch (err) {
      const first = await this.firstFailure(sent).then(() => err, (e: unknown) => e);
      await client.query('ROLLBACK').catch(() => (broken = true));
      throw first;
    } finally {
      client.release(broken);
    }
  }

  /** Wait for every statement sent; reject with the first one's failure, in the order sent. */
  private async firstFailure(sent: ReadonlyArray<{ reply: Promise<pg.QueryResult>; fence?: true }>): Promise<void> {
    const results = await Promise.allSettled(sent.map((s) => s.reply));
    const i = results.findIndex((r) => r.status === 'rejected');
    if (i < 0) return;
    const reason = (results[i] as PromiseRejectedResult).reason as unknown;
    if (sent[i]!.fence && (reason as { code?: string }).code === DIVISION_BY_ZERO) {
      const f = this.fence!;
      throw new LeaseLostError(`the lease "${f.name}" is no longer held by ${f.holder} (epoch ${f.epoch})`);
    }
    throw reason instanceof Error ? reason : new Error(String(reason));
  }

  /** Commit what is dirty and stop scheduling. */
  async close(): Promise<void> {
    await this.flush().catch(() => undefined);
    this.closed = true;
    if (this.scheduled) clearImmediate(this.scheduled);
  }
}
