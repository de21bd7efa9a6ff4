// vitest setupFiles: the helpers' per-test clean-up (test/helpers/cleanup.ts) runs through
// onTestFinished, after the test's own afterEach hooks, whether it passed or failed.
import { onTestFinished } from 'vitest';
import { installTestCleanup } from '../helpers/cleanup.js';

installTestCleanup((stop) => {
  try {
    onTestFinished(stop);
  } catch (err) {
    // "Hook onTestFinished() can only be called inside a test": made in a beforeAll, whose afterAll stops it.
    if (!(err instanceof Error) || !/inside a test/.test(err.message)) throw err;
  }
});
