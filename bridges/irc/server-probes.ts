/**
 * Readiness probes of IRC servers (src/core/port-probe.ts), one per server endpoint whatever the
 * number of sessions waiting for it: when a server goes down, every session of every user of it
 * refuses to connect at once, and a thousand sessions must not probe it a thousand times every
 * 250 ms. The first waiter starts the probe; the last one to give up (or the server listening
 * again) stops it. The connects that follow still go through the per-network connect limit.
 */
import { PortProbe } from '../../src/core/port-probe.js';
import type { Endpoint } from './client/connect-errors.js';

interface Watch {
  probe: PortProbe;
  waiters: Set<() => void>;
}

export class ServerProbes {
  private readonly watches = new Map<string, Watch>();

  constructor(private readonly everyMs?: number) {}

  /** Call `onListening` once when `server` accepts a TCP connection; the result stops waiting. */
  whenListening(server: Endpoint, onListening: () => void): () => void {
    const key = `${server.host}\n${server.port}`;
    let watch = this.watches.get(key);
    if (!watch) {
      const created: Watch = { probe: new PortProbe(server.host, server.port, this.everyMs), waiters: new Set() };
      this.watches.set(key, created);
      created.probe.start(() => {
        if (this.watches.get(key) === created) this.watches.delete(key);
        for (const waiter of [...created.waiters]) waiter();
      });
      watch = created;
    }
    const w = watch;
    let done = false;
    const waiter = (): void => {
      if (done) return;
      done = true;
      w.waiters.delete(waiter);
      onListening();
    };
    w.waiters.add(waiter);
    return () => {
      if (done) return;
      done = true;
      w.waiters.delete(waiter);
      if (w.waiters.size > 0) return;
      w.probe.stop();
      if (this.watches.get(key) === w) this.watches.delete(key);
    };
  }

  /** Probes running now (one per server endpoint some session waits for). */
  get active(): number {
    return this.watches.size;
  }
}
