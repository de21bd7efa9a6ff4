/**
 * What every part of the IRC bridge benchmark (bench/irc.ts) shares: its options as read from
 * the command line, its JSON-line printer (stdout) and progress log (stderr), and a small
 * concurrency pool for registering, connecting and joining many users at once.
 */
import { jsonLines } from './output.js';

export interface IrcBenchOptions {
  /** Messages per rate run (`--n`). */
  n: number;
  /** Bridged users for fan-out and memory, ascending (`--k`). */
  ks: number[];
  /** Messages in flight during a rate run (`--window`). */
  window: number;
  /** Messages sent one at a time for the latency (`--lat`). */
  lat: number;
  /** Messages sent before each measurement (`--warmup`). */
  warmup: number;
  /** Fan-out lines per K (`--repeats`). */
  repeats: number;
  /** Rate runs per direction; the median is kept (`--runs`). */
  runs: number;
  /** The archive on (Switchboard's record_history, biboumi's Record History) (`--record`). */
  record: boolean;
  /** Users joining at a time during the scaling runs (`--join-concurrency`). */
  joinConcurrency: number;
}

export const print = jsonLines('irc');

export const log = (text: string): void => void process.stderr.write(`[irc bench ${new Date().toISOString().slice(11, 19)}] ${text}\n`);

/** Run `fn` over `items` with at most `limit` at a time. */
export async function pool<T>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
