/**
 * Group commit: every write joins one open transaction that is committed on the next turn of
 * the event loop, so N concurrent writes cost one fsync instead of N (with synchronous=FULL a
 * commit is an fsync of the WAL). Callers that must know their write is durable — `deliver()`
 * before an SMTP 250 or a Twilio 200 — await `flush()`.
 */
import type Database from 'better-sqlite3';

export class GroupCommit {
  private open = false;
  private waiters: Array<{ resolve: () => void; reject: (err: Error) => void }> = [];
  /** The last commit failure, until a commit succeeds again (for /healthz). */
  lastError: Error | undefined;

  constructor(
    private readonly db: Database.Database,
    private readonly onError: (err: Error) => void,
  ) {}

  /** Run a write inside the current batch (opening it if needed). */
  run<T>(write: () => T): T {
    if (!this.open) {
      this.db.exec('BEGIN IMMEDIATE');
      this.open = true;
      setImmediate(() => this.commit());
    }
    return write();
  }

  /** Resolves once everything written so far is committed; rejects if that commit failed. */
  flush(): Promise<void> {
    if (!this.open) return this.lastError ? Promise.reject(this.lastError) : Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  get inTransaction(): boolean {
    return this.open;
  }

  /** Commit now (before closing the database). */
  commit(): void {
    if (!this.open) return;
    const waiters = this.waiters;
    this.waiters = [];
    try {
      this.db.exec('COMMIT');
      this.open = false;
      this.lastError = undefined;
      for (const w of waiters) w.resolve();
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      try {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
      } catch {
        // the rollback failing too leaves nothing more to undo
      }
      this.open = false;
      this.lastError = error;
      this.onError(error);
      for (const w of waiters) w.reject(error);
    }
  }
}
