/**
 * Bench-only memory probe (issue 15). With `SWITCHBOARD_BENCH_PROBE=PORT` in its environment the
 * gateway also answers on 127.0.0.1:PORT:
 *
 *   GET  /memory         a forced full GC, then `process.memoryUsage()` (bytes), so that garbage
 *                        left by a join storm neither hides nor fakes a retained cost;
 *   POST /heap-snapshot  a forced GC, then `v8.writeHeapSnapshot()` into the gateway's working
 *                        directory; answers the file's path.
 *
 * Only bench/ sets the variable, and runs node with `--expose-gc`; cli.ts imports this module only
 * when it is set, so a production gateway neither loads it nor listens.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';

export const BENCH_PROBE_ENV = 'SWITCHBOARD_BENCH_PROBE';

export interface MemoryReport {
  rss: number;
  heap_used: number;
  heap_total: number;
  external: number;
  array_buffers: number;
}

export interface BenchProbeOptions {
  /** 0: any free port (tests). */
  port: number;
  /** Where heap snapshots are written. */
  dir: string;
  /** The forced GC: node's `gc` under --expose-gc. */
  gc: (() => void) | undefined;
}

export interface BenchProbe {
  port: number;
  close(): Promise<void>;
}

/** The `gc` that node exposes under --expose-gc, if it does. */
export function exposedGc(): (() => void) | undefined {
  const gc = (globalThis as { gc?: unknown }).gc;
  return typeof gc === 'function' ? () => void (gc as () => unknown)() : undefined;
}

function memoryReport(): MemoryReport {
  const m = process.memoryUsage();
  return { rss: m.rss, heap_used: m.heapUsed, heap_total: m.heapTotal, external: m.external, array_buffers: m.arrayBuffers };
}

export async function startBenchProbe(opts: BenchProbeOptions): Promise<BenchProbe> {
  const server: Server = createServer((req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const route = `${req.method} ${req.url}`;
    if (route !== 'GET /memory' && route !== 'POST /heap-snapshot') return reply(404, { error: `no such probe: ${route}` });
    if (!opts.gc) return reply(409, { error: 'the probe needs a forced GC: start node with --expose-gc' });
    try {
      // Twice: the first pass may leave objects whose finalizers free more (weak maps, buffers).
      opts.gc();
      opts.gc();
      if (route === 'GET /memory') return reply(200, memoryReport());
      return reply(200, { file: writeHeapSnapshot(join(opts.dir, `switchboard-${process.pid}-${Date.now()}.heapsnapshot`)) });
    } catch (err) {
      return reply(500, { error: (err as Error).message });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, '127.0.0.1', () => resolve());
  });
  server.unref();
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** cli.ts: start the probe when the bench asked for it (the variable names the port). */
export async function startBenchProbeFromEnv(env: NodeJS.ProcessEnv): Promise<BenchProbe | undefined> {
  const value = env[BENCH_PROBE_ENV];
  if (!value) return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`${BENCH_PROBE_ENV}=${value}: not a port number`);
  return startBenchProbe({ port, dir: process.cwd(), gc: exposedGc() });
}
