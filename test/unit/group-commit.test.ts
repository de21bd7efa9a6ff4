import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { GroupCommit } from '../../src/core/sqlite/group-commit.js';

/** A WAL sync the test finishes by hand. */
function manualSync() {
  const calls: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  const sync = () => new Promise<void>((resolve, reject) => calls.push({ resolve, reject }));
  return { calls, sync };
}

function setup(sync?: () => Promise<void>, maxDelayMs = 0) {
  const db = new Database(':memory:');
  db.exec('CREATE TABLE t (x INTEGER)');
  const errors: Error[] = [];
  const batch = new GroupCommit(db, (e) => errors.push(e), sync, maxDelayMs);
  const insert = db.prepare('INSERT INTO t (x) VALUES (?)');
  const write = (x: number) => batch.run(() => insert.run(x));
  return { db, batch, write, errors };
}

const settled = async (p: Promise<void>): Promise<boolean> => {
  let done = false;
  void p.then(() => (done = true), () => (done = true));
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  return done;
};

describe('group commit', () => {
  it('commits every write of a turn at once, and flush resolves after the commit', async () => {
    const { db, batch, write } = setup();
    write(1);
    write(2);
    expect(batch.inTransaction).toBe(true);
    await batch.flush();
    expect(batch.inTransaction).toBe(false);
    expect(db.prepare('SELECT COUNT(*) AS n FROM t').get()).toEqual({ n: 2 });
  });

  it('with a WAL sync, flush waits for a sync that started after the commit', async () => {
    const { calls, sync } = manualSync();
    const { batch, write } = setup(sync);
    write(1);
    const first = batch.flush();
    expect(await settled(first)).toBe(false); // committed, not yet synced
    expect(calls).toHaveLength(1);
    // Written and committed while the first sync runs: it waits for a second sync.
    write(2);
    const second = batch.flush();
    await new Promise((r) => setImmediate(r));
    calls[0]!.resolve();
    expect(await settled(first)).toBe(true);
    expect(await settled(second)).toBe(false);
    expect(calls).toHaveLength(2);
    // Nothing new since: a flush now waits for the running sync only.
    const third = batch.flush();
    calls[1]!.resolve();
    await Promise.all([second, third]);
    expect(calls).toHaveLength(2);
  });

  it('a failed sync rejects its waiters and is reported, and the next one succeeds', async () => {
    const { calls, sync } = manualSync();
    const { batch, write, errors } = setup(sync);
    write(1);
    const p = batch.flush();
    await new Promise((r) => setImmediate(r));
    calls[0]!.reject(new Error('EIO'));
    await expect(p).rejects.toThrow('EIO');
    expect(errors.map((e) => e.message)).toEqual(['EIO']);
    expect(batch.lastError?.message).toBe('EIO');
    write(2);
    const q = batch.flush();
    await new Promise((r) => setImmediate(r));
    calls[1]!.resolve();
    await q;
  });

  it('with a commit delay, writes nobody waits for share a later commit; a flush commits at the end of the turn', async () => {
    const { batch, write } = setup(undefined, 40);
    write(1);
    await new Promise((r) => setImmediate(r));
    write(2); // the same transaction, a turn later
    expect(batch.inTransaction).toBe(true);
    await new Promise((r) => setTimeout(r, 60));
    expect(batch.inTransaction).toBe(false);
    write(3);
    const t0 = Date.now();
    await batch.flush();
    expect(Date.now() - t0).toBeLessThan(30);
    expect(batch.inTransaction).toBe(false);
  });

  it('a commit nobody waits for costs no sync of its own', async () => {
    const { calls, sync } = manualSync();
    const { batch, write } = setup(sync);
    write(1);
    await new Promise((r) => setImmediate(r));
    expect(batch.inTransaction).toBe(false);
    expect(calls).toHaveLength(0);
    // A later flush syncs it.
    const p = batch.flush();
    expect(calls).toHaveLength(1);
    calls[0]!.resolve();
    await p;
  });
});
