/**
 * Group commit: every write joins one open transaction, so N writes cost one commit instead of
 * N. Callers that must know their write is durable — `deliver()` before an SMTP 250 or a Twilio
 * 200 — await `flush()`, which commits at the end of the event-loop turn. Writes nobody waits
 * for are committed at most `maxDelayMs` later (default 0: at the end of the turn too): a commit
 * writes every page it changed to the WAL, and writes a few ms apart share most of their pages.
 *
 * Durability without blocking the event loop: with a `syncWal` function (synchronous `full`),
 * SQLite itself runs with synchronous=NORMAL (in WAL mode a COMMIT is a write(), no fsync) and
 * `flush()` resolves only after an fdatasync of the WAL that started after the commit, on the
 * libuv thread pool. A commit that no one awaits costs no fsync of its own; one fsync covers
 * every commit before it. (SQLite's checkpoints still fsync inside the commit that runs them.)
 */
import type Database from 'better-sqlite3';

interface Waiter {
  resolve: () => void;
  reject: (err: Error) => void;
}

export class GroupCommit {
  private open = false;
  /** Waiting for the open transaction's commit (and then its sync). */
  private waiters: Waiter[] = [];
  /** Committed, waiting for a WAL sync that started after their commit. */
  private syncWaiters: Waiter[] = [];
  private syncing = false;
  /** Waiting for the running sync. */
  private syncingWaiters: Waiter[] = [];
  /** A commit happened since the last sync started. */
  private unsynced = false;
  /** The last commit or sync failure, until one succeeds again (for /healthz). */
  lastError: Error | undefined;

  constructor(
    private readonly db: Database.Database,
    private readonly onError: (err: Error) => void,
    private readonly syncWal?: () => Promise<void>,
    private readonly maxDelayMs = 0,
  ) {}

  private immediate: NodeJS.Immediate | undefined;
  private timer: NodeJS.Timeout | undefined;

  /** Run a write inside the current batch (opening it if needed). */
  run<T>(write: () => T): T {
    if (!this.open) {
      this.db.exec('BEGIN IMMEDIATE');
      this.open = true;
      if (this.maxDelayMs > 0) this.timer = setTimeout(() => this.commit(), this.maxDelayMs);
      else this.commitAtTurnEnd();
    }
    return write();
  }

  private commitAtTurnEnd(): void {
    this.immediate ??= setImmediate(() => this.commit());
  }

  /** Resolves once everything written so far is committed (and synced); rejects if that failed. */
  flush(): Promise<void> {
    if (!this.open && !this.unsynced && !this.syncing) return this.lastError ? Promise.reject(this.lastError) : Promise.resolve();
    return new Promise((resolve, reject) => {
      if (this.open) {
        this.waiters.push({ resolve, reject });
        this.commitAtTurnEnd(); // somebody waits: no delay
      } else if (this.unsynced) {
        this.syncWaiters.push({ resolve, reject });
        this.startSync();
      } else this.syncingWaiters.push({ resolve, reject }); // everything is in the running sync
    });
  }

  get inTransaction(): boolean {
    return this.open;
  }

  /** Commit now (before closing the database). */
  commit(): void {
    if (this.immediate) clearImmediate(this.immediate);
    if (this.timer) clearTimeout(this.timer);
    this.immediate = undefined;
    this.timer = undefined;
    if (!this.open) return;
    const waiters = this.waiters;
    this.waiters = [];
    try {
      this.db.exec('COMMIT');
      this.open = false;
      this.lastError = undefined;
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      try {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
      } catch {
        // the rollback failing too leaves nothing more to undo
      }
      this.open = false;
      this.fail(error, waiters);
      return;
    }
    if (!this.syncWal) {
      for (const w of waiters) w.resolve();
      return;
    }
    this.unsynced = true;
    this.syncWaiters.push(...waiters);
    if (this.syncWaiters.length > 0) this.startSync();
  }

  /** One fdatasync at a time; the commits made while it runs wait for the next one. */
  private startSync(): void {
    if (this.syncing || !this.syncWal) return;
    this.syncing = true;
    this.unsynced = false;
    const waiters = this.syncWaiters;
    this.syncWaiters = [];
    this.syncingWaiters = waiters;
    this.syncWal().then(
      () => {
        this.syncing = false;
        for (const w of waiters) w.resolve();
        if (this.syncWaiters.length > 0) this.startSync();
      },
      (err: unknown) => {
        this.syncing = false;
        this.fail(err instanceof Error ? err : new Error(String(err)), waiters);
        if (this.syncWaiters.length > 0) this.startSync();
      },
    );
  }

  private fail(error: Error, waiters: Waiter[]): void {
    this.lastError = error;
    this.onError(error);
    for (const w of waiters) w.reject(error);
  }
}
