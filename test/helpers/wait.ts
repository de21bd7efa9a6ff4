/** Resolve after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** What a waitFor predicate may return: any value but undefined/false means "done". */
export type Awaitable<T> = T | undefined | false | Promise<T | undefined | false>;

const POLL_MS = 25;

/**
 * Poll `predicate` until it returns something other than undefined or false, and return that.
 * Thrown errors count as "not yet" (e.g. connection refused while a server starts); the last
 * one is attached to the timeout error so a failure says why, not just that it timed out.
 */
export async function waitFor<T>(
  predicate: () => Awaitable<T>,
  message: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await predicate();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for: ${message}${why}`, { cause: lastError });
    }
    await sleep(POLL_MS);
  }
}
