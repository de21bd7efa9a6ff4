/**
 * SMTP load for the email benchmarks: minimal clients with RFC 2920 pipelining (MAIL, RCPT and
 * DATA in one write, then the text and the final dot: two round trips per message, next to no
 * client CPU), in worker threads started BEFORE a measurement (`startBlasters`), so that no
 * worker's start-up (loading its modules: ~0.3 s of CPU each) is counted in a rate. This module
 * imports node built-ins only, so a worker starts fast.
 */
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import { rawClient } from './smtp-raw.js';

export { benchMail } from './smtp-raw.js';

export interface BlastJob {
  port: number;
  /** Distinguishes the Message-IDs of one burst from another's. */
  label: string;
  clients: number;
  /** Mails numbered first … first+count-1 (the recipient is user<i % 20>). */
  first: number;
  count: number;
}

/** `job.clients` connections share `job.count` mails. */
export async function blastJob(job: BlastJob): Promise<void> {
  let n = 0;
  const take = (): number | undefined => (n < job.count ? job.first + n++ : undefined);
  await Promise.all(Array.from({ length: job.clients }, (_v, c) => rawClient(job, c, take)));
}

export interface Blasters {
  /** `count` mails from `clients` connections spread over the workers; resolves with messages/s. */
  blast(port: number, label: string, clients: number, count: number): Promise<number>;
  close(): Promise<void>;
}

/** `workers` worker threads, started and ready before this resolves. */
export async function startBlasters(workers: number): Promise<Blasters> {
  const pool = await Promise.all(
    Array.from({ length: workers }, async () => {
      const worker = new Worker(new URL(import.meta.url));
      await new Promise<void>((resolve, reject) => {
        worker.once('message', () => resolve());
        worker.once('error', reject);
      });
      return worker;
    }),
  );
  return {
    async blast(port, label, clients, count) {
      const per = Math.ceil(count / workers);
      const started = process.hrtime.bigint();
      await Promise.all(
        pool.map((worker, w) => {
          const job: BlastJob = { port, label, clients: Math.ceil(clients / workers), first: w * per, count: Math.max(0, Math.min(per, count - w * per)) };
          return new Promise<void>((resolve, reject) => {
            const onError = (err: Error): void => reject(err);
            worker.once('error', onError);
            worker.once('message', (m: { error?: string }) => {
              worker.off('error', onError);
              if (m.error) reject(new Error(m.error));
              else resolve();
            });
            worker.postMessage(job);
          });
        }),
      );
      return count / (Number(process.hrtime.bigint() - started) / 1e9);
    },
    async close() {
      await Promise.all(pool.map((w) => w.terminate()));
    },
  };
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  port.on('message', (job: BlastJob) => {
    blastJob(job).then(
      () => port.postMessage({}),
      (err: unknown) => port.postMessage({ error: err instanceof Error ? err.message : String(err) }),
    );
  });
  port.postMessage({ ready: true });
}
