/**
 * One-way load: `n` messages sent by one party and received by another, at most `window` of
 * them sent but not yet received; each timed from send to receipt, matched by body. window = 1
 * measures latency; a large window measures throughput. Works for any pair of transports
 * (IRC client → XMPP client, XMPP → IRC, …): the caller gives `send` and a receive hook.
 */
import { performance } from 'node:perf_hooks';

export interface LoadResult {
  elapsedMs: number;
  latenciesMs: number[];
}

export interface OneWayOptions {
  n: number;
  window: number;
  tag: string;
  /** Send message number `i` with this body; a rejected promise ends the run. */
  send(body: string, i: number): void | Promise<unknown>;
  /** Call `onBody` for every body the receiver gets; returns the unsubscribe function. */
  subscribe(onBody: (body: string) => void): () => void;
  stallMs?: number;
}

export function runOneWay(opts: OneWayOptions): Promise<LoadResult> {
  const stallMs = opts.stallMs ?? 30_000;
  return new Promise((resolve, reject) => {
    const sentAt = new Map<string, number>();
    const latenciesMs: number[] = [];
    let sent = 0;
    let lastProgress = Date.now();
    const start = performance.now();
    const sendNext = (): void => {
      const i = sent++;
      const body = `${opts.tag}-${i}`;
      sentAt.set(body, performance.now());
      const pending = opts.send(body, i);
      if (pending instanceof Promise) pending.catch((err: unknown) => fail(err instanceof Error ? err : new Error(String(err))));
    };
    const unsubscribe = opts.subscribe((body) => {
      const t0 = sentAt.get(body);
      if (t0 === undefined) return;
      latenciesMs.push(performance.now() - t0);
      sentAt.delete(body);
      lastProgress = Date.now();
      if (latenciesMs.length === opts.n) return finish();
      if (sent < opts.n) sendNext();
    });
    const stall = setInterval(() => {
      if (Date.now() - lastProgress > stallMs) fail(new Error(`${opts.tag}: nothing received for ${stallMs} ms (${latenciesMs.length}/${opts.n} in, ${sentAt.size} in flight)`));
    }, 500);
    function cleanup(): void {
      clearInterval(stall);
      unsubscribe();
    }
    function finish(): void {
      cleanup();
      resolve({ elapsedMs: performance.now() - start, latenciesMs });
    }
    function fail(err: Error): void {
      cleanup();
      reject(err);
    }
    while (sent < Math.min(opts.window, opts.n)) sendNext();
  });
}
