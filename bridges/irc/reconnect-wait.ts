/**
 * The wait before an IRC reconnect attempt: the backoff (src/core/backoff.ts), cut short when
 * the server that refused the last attempt listens again (server-probes.ts), and ended at once
 * when the session ends or the bridge stops. Only a refusal (nothing listening) starts a probe:
 * a server that accepts and drops gets the whole backoff.
 */
import type { Endpoint } from './client/connect-errors.js';
import type { ServerProbes } from './server-probes.js';

export type Woken = 'backoff' | 'listening' | 'stopped';

export interface RetryWaitOptions {
  probes: ServerProbes;
  /** The server that refused the last attempt, if it was refused. */
  refusedBy: Endpoint | undefined;
  /** Settles when the session has ended. */
  ended: Promise<void>;
  signal: AbortSignal;
}

export function retryWait(delayMs: number, opts: RetryWaitOptions): Promise<Woken> {
  if (opts.signal.aborted) return Promise.resolve('stopped');
  return new Promise((resolve) => {
    let settled = false;
    const finish = (woken: Woken): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stopProbe();
      opts.signal.removeEventListener('abort', onAbort);
      resolve(woken);
    };
    const onAbort = (): void => finish('stopped');
    const timer = setTimeout(() => finish('backoff'), delayMs);
    const stopProbe = opts.refusedBy ? opts.probes.whenListening(opts.refusedBy, () => finish('listening')) : () => undefined;
    opts.signal.addEventListener('abort', onAbort, { once: true });
    void opts.ended.then(() => finish('stopped'));
  });
}
