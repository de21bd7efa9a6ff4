/**
 * Which modules a gateway process loads (issue 15): run it with `moduleLogging(file)`'s node
 * flags and environment, then read the packages and the project's own files it resolved.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from './repo.js';

export interface ModuleLogging {
  nodeArgs: string[];
  env: Record<string, string>;
}

export function moduleLogging(file: string): ModuleLogging {
  const register = pathToFileURL(join(repoRoot(), 'test', 'fixtures', 'module-log', 'register.mjs')).href;
  return { nodeArgs: ['--import', register], env: { SWITCHBOARD_MODULE_LOG: file } };
}

export interface LoadedModules {
  /** npm packages (`zod`, `@scope/name`) whose files were resolved. */
  packages: string[];
  /** Per package, the file URLs resolved in it (its entry points, and its ESM files). */
  urls: Record<string, string[]>;
  /** The project's own files, relative to dist/ (`bridges/irc/index.js`). */
  own: string[];
}

export function loadedModules(file: string): LoadedModules {
  const urls = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
  const packages = new Map<string, Set<string>>();
  const own = new Set<string>();
  const dist = `${pathToFileURL(join(repoRoot(), 'dist')).href}/`;
  for (const url of urls) {
    const pkg = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
    if (pkg) packages.set(pkg[1]!, (packages.get(pkg[1]!) ?? new Set()).add(url));
    else if (url.startsWith(dist)) own.add(url.slice(dist.length));
  }
  const names = [...packages.keys()].sort();
  return { packages: names, urls: Object.fromEntries(names.map((n) => [n, [...packages.get(n)!]])), own: [...own].sort() };
}
