/**
 * `npm run bench`: every benchmark script in bench/ (not bench/lib/), one after the other so
 * they do not compete for the cores, each in its own process. Arguments are passed to each.
 * Exits non-zero if any failed, after running the rest.
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const self = 'run.js';
const scripts = readdirSync(import.meta.dirname)
  .filter((f) => f.endsWith('.js') && f !== self)
  .sort();

const failed: string[] = [];
for (const script of scripts) {
  process.stderr.write(`== bench/${script}\n`);
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, [join(import.meta.dirname, script), ...process.argv.slice(2)], { stdio: 'inherit' });
    child.once('exit', (c) => resolve(c));
  });
  if (code !== 0) failed.push(`${script} (exit ${code})`);
}
if (failed.length) {
  process.stderr.write(`failed: ${failed.join(', ')}\n`);
  process.exitCode = 1;
}
