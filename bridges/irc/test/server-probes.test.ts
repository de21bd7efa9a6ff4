// The readiness probe shared by the sessions of a network, and the wait before a reconnect
// attempt, against real loopback ports (a closed one, then a listener on it).
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../../test/helpers/ports.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { retryWait } from '../reconnect-wait.js';
import { ServerProbes } from '../server-probes.js';

const listeners: Server[] = [];
function listen(port: number): Promise<Server> {
  return new Promise((resolve) => {
    const s = createServer((c) => c.destroy()).listen(port, '127.0.0.1', () => resolve(s));
    listeners.push(s);
  });
}
const never = new Promise<void>(() => undefined);

afterEach(async () => {
  for (const s of listeners.splice(0)) await new Promise((r) => s.close(r));
});

describe('ServerProbes', () => {
  it('runs one probe per server for all its waiters, and tells each once the server listens', async () => {
    const port = await freePort();
    const probes = new ServerProbes(20);
    const told: string[] = [];
    probes.whenListening({ host: '127.0.0.1', port }, () => told.push('a'));
    probes.whenListening({ host: '127.0.0.1', port }, () => told.push('b'));
    expect(probes.active).toBe(1);
    await new Promise((r) => setTimeout(r, 100));
    expect(told).toEqual([]);
    await listen(port);
    await waitFor(() => told.length === 2, 'both waiters told');
    expect(told.sort()).toEqual(['a', 'b']);
    expect(probes.active).toBe(0);
  });

  it('stops probing when the last waiter gives up', async () => {
    const port = await freePort();
    const probes = new ServerProbes(20);
    const stopA = probes.whenListening({ host: '127.0.0.1', port }, () => undefined);
    const stopB = probes.whenListening({ host: '127.0.0.1', port }, () => undefined);
    stopA();
    expect(probes.active).toBe(1);
    stopB();
    expect(probes.active).toBe(0);
  });
});

describe('retryWait (before an IRC reconnect attempt)', () => {
  it('waits the backoff when the last attempt was not refused', async () => {
    const started = Date.now();
    const woken = await retryWait(60, { probes: new ServerProbes(20), refusedBy: undefined, ended: never, signal: new AbortController().signal });
    expect(woken).toBe('backoff');
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
  });

  it('is cut short when the server that refused listens again', async () => {
    const port = await freePort();
    const probes = new ServerProbes(20);
    const wait = retryWait(60_000, { probes, refusedBy: { host: '127.0.0.1', port }, ended: never, signal: new AbortController().signal });
    await listen(port);
    const started = Date.now();
    expect(await wait).toBe('listening');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('ends when the bridge stops or the session ends, and leaves no probe behind', async () => {
    const port = await freePort();
    const probes = new ServerProbes(20);
    const abort = new AbortController();
    const stopped = retryWait(60_000, { probes, refusedBy: { host: '127.0.0.1', port }, ended: never, signal: abort.signal });
    abort.abort();
    expect(await stopped).toBe('stopped');
    let end!: () => void;
    const ended = retryWait(60_000, { probes, refusedBy: { host: '127.0.0.1', port }, ended: new Promise<void>((r) => (end = r)), signal: new AbortController().signal });
    end();
    expect(await ended).toBe('stopped');
    expect(probes.active).toBe(0);
  });
});
