/**
 * Clean-up that runs when the current test ends, passed or failed: the helpers that start a bridge,
 * a native IRC user or a server register their own stop, so a test body holds only the scenario and
 * a failing assertion leaves nothing running. Under vitest, test/setup/cleanup.ts installs
 * `onTestFinished` (the per-test form of afterEach) as the registrar; the benches import the same
 * helpers without vitest, where nothing is registered and they stop what they start themselves.
 * Called outside a test (a beforeAll), nothing is registered either: whoever made the resource in
 * the hook stops it in the matching afterAll.
 */
type Registrar = (stop: () => Promise<void>) => void;

let registrar: Registrar | undefined;

/** test/setup/cleanup.ts: how to run something when the current test ends. */
export function installTestCleanup(register: Registrar): void {
  registrar = register;
}

export function afterThisTest(stop: () => Promise<unknown>): void {
  registrar?.(async () => {
    await stop();
  });
}

/** `fn` once: later calls get the first call's promise (a test may stop early, the clean-up again). */
export function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= fn());
}
