/**
 * A test hook for the crash window of design.md §5: with SWITCHBOARD_CRASH_POINT=`<name>:<n>` in
 * the environment, the n-th pass of `crashPointReached(name)` is true and the caller then calls
 * `crashAfter`, which waits for the commit of what is written so far and kills the process with
 * SIGKILL. `inbound-sent` is right after an inbound stanza was handed to the kernel and before its
 * `done` is written: what a kill -9 at the worst moment leaves (the stanza delivered, its item
 * committed and pending), made deterministic for test/integration/redelivery-ids.test.ts.
 * Unset, it costs one comparison.
 */
const spec = /^([a-z-]+):(\d+)$/.exec(process.env.SWITCHBOARD_CRASH_POINT ?? '');
const point = spec?.[1];
let remaining = spec ? Number(spec[2]) : 0;

export type CrashPointName = 'inbound-sent';

export function crashPointReached(name: CrashPointName): boolean {
  if (point !== name || remaining <= 0) return false;
  remaining -= 1;
  return remaining === 0;
}

/** Commit what is written (not what the caller writes next), then die as kill -9 would. */
export async function crashAfter(commit: () => Promise<void>): Promise<never> {
  await commit().catch(() => undefined);
  process.kill(process.pid, 'SIGKILL');
  return new Promise<never>(() => undefined);
}
