/**
 * The two store loads of bench/store.ts, on any `Store`: outbox throughput (enqueue → handle →
 * done through a real OutboxLane, committed at the end) and the inbound commit rate (callers
 * that each enqueue and wait for `flush()` before acknowledging, as the SMTP 250 and the Twilio
 * 200 do).
 */
import pino from 'pino';
import { OutboxLane } from '../../src/core/outbox.js';
import type { Store } from '../../src/core/store.js';

const log = pino({ level: 'silent' });

/** Items per second from the first enqueue until every item is done and committed. */
export async function outboxThroughput(store: Store, items: number, conversations: number): Promise<number> {
  let done = 0;
  let finished: () => void = () => undefined;
  const all = new Promise<void>((resolve) => (finished = resolve));
  const lane = new OutboxLane(
    store.outbox,
    { bridge: 'bench', direction: 'out', concurrency: 32, retry: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1000 }, now: Date.now, log, sweepMs: 0 },
    {
      handle: async () => undefined,
      onFailed: () => undefined,
      onDead: () => undefined,
      onOutcome: (_row, outcome) => {
        if (outcome === 'done' && ++done === items) finished();
      },
    },
  );
  const started = performance.now();
  // Arrivals in bursts of 100 per event-loop turn, as from sockets.
  for (let i = 0; i < items; i += 100) {
    for (let j = i; j < Math.min(items, i + 100); j++) {
      const okey = `c${j % conversations}`;
      store.outbox.enqueue({ direction: 'out', bridge: 'bench', user: 'u@x', okey, dedupe: `m${j}`, payload: '{"body":"hello"}' }, Date.now());
      lane.kick(okey);
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  await all;
  await store.flush();
  const seconds = (performance.now() - started) / 1000;
  await lane.stop();
  return items / seconds;
}

/** Acknowledgements per second with `callers` in parallel, each waiting for its commit. */
export async function inboundCommitRate(store: Store, items: number, callers: number): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (next < items) {
        const i = next++;
        store.outbox.enqueue({ direction: 'in', bridge: 'bench', user: 'u@x', okey: `p${i % 200}`, dedupe: `SM${i}`, payload: '{"body":"hi"}' }, Date.now());
        await store.flush();
      }
    }),
  );
  return items / ((performance.now() - started) / 1000);
}
