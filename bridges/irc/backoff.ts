/**
 * Reconnect discipline against reconnect storms (features.md §2 item 2): exponential backoff
 * with full jitter, and a cap on connections being opened at once per network.
 */

/** Delay before attempt `attempt` (0-based): random in [base/2, base], base = min(max, initial·2^attempt). */
export function backoffDelay(attempt: number, initialMs: number, maxMs: number, random: () => number = Math.random): number {
  const base = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(base / 2 + (random() * base) / 2);
}

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
