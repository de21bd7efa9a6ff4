/**
 * The per-network connect limit (features.md §2 item 2): at most `max_concurrent_connects`
 * connections of one network are being opened (TCP, TLS, registration) at once, for all users,
 * so a server that comes back is not hit by every session in the same instant. The waits
 * between attempts are src/core/backoff.ts.
 */

/** A counting semaphore: at most `limit` holders at once, the others wait in FIFO order. */
export class ConnectLimiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  get inUse(): number {
    return this.active;
  }

  async acquire(signal?: AbortSignal): Promise<() => void> {
    if (this.active >= this.limit) {
      await new Promise<void>((resolve, reject) => {
        const go = () => {
          signal?.removeEventListener('abort', abort);
          resolve();
        };
        const abort = () => {
          const i = this.waiting.indexOf(go);
          if (i !== -1) this.waiting.splice(i, 1);
          reject(new Error('aborted'));
        };
        signal?.addEventListener('abort', abort, { once: true });
        this.waiting.push(go);
      });
    } else this.active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    };
  }
}
