import { describe, expect, it } from 'vitest';
import { compileCacheStatus, enableCompileCache } from '../../src/compile-cache.js';

// node:module's compileCacheStatus codes (Node 22.1+).
const constants = { compileCacheStatus: { FAILED: 0, ENABLED: 1, ALREADY_ENABLED: 2, DISABLED: 3 } };

describe('module compile cache (issue 15)', () => {
  it('is unavailable, and nothing is attempted, on a node without module.enableCompileCache (Node 20)', () => {
    expect(enableCompileCache({})).toBe('unavailable');
    expect(compileCacheStatus()).toBe('unavailable');
  });

  it("is enabled where node has it, and reports node's other outcomes", () => {
    const calls: Array<string | undefined> = [];
    const api = (status: number) => ({ constants, enableCompileCache: (dir?: string) => (calls.push(dir), { status }) });
    expect(enableCompileCache(api(1))).toBe('enabled');
    // No directory: NODE_COMPILE_CACHE or node's default in the temp dir.
    expect(calls).toEqual([undefined]);
    expect(enableCompileCache(api(2))).toBe('already-enabled');
    expect(enableCompileCache(api(3))).toBe('disabled');
    expect(enableCompileCache(api(0))).toBe('failed');
    expect(compileCacheStatus()).toBe('failed');
  });

  it('a cache that throws (a read-only temp dir) does not stop the gateway', () => {
    expect(
      enableCompileCache({
        constants,
        enableCompileCache: () => {
          throw new Error('EROFS');
        },
      }),
    ).toBe('failed');
  });

  it('this node: the real module API gives one of the outcomes', () => {
    const status = enableCompileCache();
    expect(Number(process.versions.node.split('.')[0]) >= 22 ? ['enabled', 'already-enabled', 'disabled', 'failed'] : ['unavailable']).toContain(status);
  });
});
