/**
 * Paths into the checkout that work both from the TypeScript sources (vitest) and from the
 * compiled copies under dist/ (npm run demo, npm run bench): a fixed number of `..` cannot be
 * right for both, so walk up to the directory holding package.json.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

export function repoRoot(from: string = import.meta.dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

/** The built gateway entry point; the demo and the benchmarks run the real CLI, like users do. */
export function builtCli(): string {
  const cli = join(repoRoot(), 'dist', 'src', 'cli.js');
  if (!existsSync(cli)) throw new Error(`missing ${cli}: run \`npm run build\` first`);
  return cli;
}
