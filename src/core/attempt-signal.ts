/**
 * The abort signal of the outbox attempt that is running, for the code deep inside a bridge
 * that cannot take it as an argument (a library call without a signal parameter, a session
 * shared by many conversations). `Bridge.send(event, { signal })` is the contract; a bridge
 * may run its work inside `withAttemptSignal` and read `attemptSignal()` where it writes to
 * the network. The signal follows the async context (AsyncLocalStorage), so two conversations
 * of one session running at once each see their own.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const current = new AsyncLocalStorage<AbortSignal>();

export function withAttemptSignal<T>(signal: AbortSignal | undefined, work: () => T): T {
  return signal ? current.run(signal, work) : work();
}

export function attemptSignal(): AbortSignal | undefined {
  return current.getStore();
}
