/**
 * The bench side of the gateway's memory probe (src/bench-probe.ts): start options that turn it
 * on (node --expose-gc and SWITCHBOARD_BENCH_PROBE, set only here), and its two requests.
 */
import type { MemoryReport } from '../../src/bench-probe.js';
import { freePort } from '../../test/helpers/ports.js';

export type { MemoryReport } from '../../src/bench-probe.js';

export interface GatewayProbe {
  /** A forced full GC in the gateway, then its process.memoryUsage() (bytes). */
  memory(): Promise<MemoryReport>;
  /** A forced GC, then a heap snapshot written in the gateway's directory: its path. */
  heapSnapshot(): Promise<string>;
}

export interface ProbeStart {
  nodeArgs: string[];
  env: Record<string, string>;
  probe: GatewayProbe;
}

async function ask<T>(port: number, method: 'GET' | 'POST', path: string): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method, signal: AbortSignal.timeout(300_000) });
  const body = (await res.json()) as T & { error?: string };
  if (res.status !== 200) throw new Error(`probe ${method} ${path}: ${res.status} ${body.error ?? ''}`);
  return body;
}

export async function probeStart(): Promise<ProbeStart> {
  const port = await freePort();
  return {
    nodeArgs: ['--expose-gc'],
    env: { SWITCHBOARD_BENCH_PROBE: String(port) },
    probe: {
      memory: () => ask<MemoryReport>(port, 'GET', '/memory'),
      heapSnapshot: async () => (await ask<{ file: string }>(port, 'POST', '/heap-snapshot')).file,
    },
  };
}

export const MiB = (bytes: number): number => bytes / (1024 * 1024);
