/**
 * The module compile cache (issue 15): on Node ≥ 22.1, `module.enableCompileCache()` keeps V8's
 * compiled code of every module loaded after it on disk (in NODE_COMPILE_CACHE, default a
 * `node-compile-cache` folder in the OS temp dir), so a restart skips compiling them again.
 * Node 20 has no such cache (nor a way to cache ESM compilation from user land): there it is a
 * no-op, and what start-up can do is done by the store (every statement prepared when it opens).
 */
import * as nodeModule from 'node:module';

export type CompileCacheStatus = 'enabled' | 'already-enabled' | 'disabled' | 'failed' | 'unavailable';

interface CompileCacheApi {
  enableCompileCache?: (dir?: string) => { status: number; message?: string };
  constants?: { compileCacheStatus?: Record<string, number> };
}

let outcome: CompileCacheStatus | undefined;

/** What the entry point's enableCompileCache() did (undefined: not called), for the start-up log. */
export const compileCacheStatus = (): CompileCacheStatus | undefined => outcome;

/** Enable the cache where this node has it; says what happened. */
export function enableCompileCache(api: CompileCacheApi = nodeModule as CompileCacheApi): CompileCacheStatus {
  outcome = tryEnable(api);
  return outcome;
}

function tryEnable(api: CompileCacheApi): CompileCacheStatus {
  if (typeof api.enableCompileCache !== 'function') return 'unavailable';
  const codes = api.constants?.compileCacheStatus ?? {};
  try {
    const { status } = api.enableCompileCache();
    if (status === codes['ENABLED']) return 'enabled';
    if (status === codes['ALREADY_ENABLED']) return 'already-enabled';
    if (status === codes['DISABLED']) return 'disabled';
    return 'failed';
  } catch {
    // A cache that cannot be set up (read-only temp dir) only costs the start-up it would save.
    return 'failed';
  }
}
