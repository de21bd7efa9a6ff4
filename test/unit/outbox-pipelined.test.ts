// A pipelined outbox lane (LaneOptions.pipelined, the inbound lane: stanzas on one stream): a
// key's chain is handed to the hook at once, and order per key still holds.
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { RetryableError, StanzaError } from '../../src/core/errors.js';
import { OutboxLane } from '../../src/core/outbox.js';
import { openSqliteStore } from '../../src/core/sqlite/store.js';
import type { Store } from '../../src/core/store.js';
import { waitFor } from '../helpers/wait.js';

const log = pino({ level: 'silent' });
let stores: Store[] = [];
let lanes: OutboxLane[] = [];
afterEach(async () => {
  await Promise.all(lanes.map((l) => l.stop()));
  for (const s of stores) s.close();
  stores = [];
  lanes = [];
});

describe('pipelined outbox lane', () => {
  it('pipelined: hands a key’s chain to the hook at once, in order, and writes the outcomes in order', async () => {
    const store = openSqliteStore({ path: ':memory:', synchronous: 'normal' });
    stores.push(store);
    const started: string[] = [];
    const delivered: string[] = [];
    const writes: Array<{ payload: string; finish: (err?: Error) => void }> = [];
    let streamUp = false;
    const failed: string[] = [];
    const lane = new OutboxLane(
      store.outbox,
      { bridge: 'b', direction: 'in', concurrency: 2, pipelined: true, retry: { maxAttempts: 5, baseDelayMs: 5, maxDelayMs: 20 }, now: () => Date.now(), log },
      {
        handle: (row) => {
          started.push(row.payload);
          if (row.payload === 'a2') return Promise.reject(new StanzaError('policy-violation', 'too large'));
          // As on one stream: once it is down, every write after fails too, until it is up again.
          if (streamUp) return Promise.resolve(void delivered.push(row.payload));
          return new Promise<void>((resolve, reject) => {
            const finish = (err?: Error): void => (err ? reject(err) : resolve(void delivered.push(row.payload)));
            writes.push({ payload: row.payload, finish });
          });
        },
        onFailed: (row) => void failed.push(row.payload),
        onDead: () => undefined,
      },
    );
    lanes.push(lane);
    for (let i = 0; i < 5; i++) store.outbox.enqueue({ direction: 'in', bridge: 'b', user: 'u@x', okey: 'a', payload: `a${i}` }, Date.now());
    lane.kick('a');
    // Every item is handed over before the first write completes.
    await waitFor(() => started.length === 5, 'the chain started at once');
    expect(started).toEqual(['a0', 'a1', 'a2', 'a3', 'a4']);
    expect(delivered).toEqual([]);
    writes[0]!.finish();
    writes[1]!.finish();
    // The stream goes down under a3: a4, written after it, fails with it.
    writes[2]!.finish(new RetryableError('write failed'));
    writes[3]!.finish(new RetryableError('write failed'));
    streamUp = true;
    await waitFor(() => delivered.length === 4, 'a3 and a4 retried');
    expect(delivered).toEqual(['a0', 'a1', 'a3', 'a4']);
    expect(failed).toEqual(['a2']);
    expect(started.slice(5)).toEqual(['a3', 'a4']);
    const rows = store.outbox.list('b', {}, 10);
    expect(rows.map((r) => [r.payload, r.state, r.attempts])).toEqual([
      ['a0', 'done', 1],
      ['a1', 'done', 1],
      ['a2', 'done', 1],
      ['a3', 'done', 2],
      ['a4', 'done', 2],
    ]);
  });
});
