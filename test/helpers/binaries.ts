import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

// Debian puts daemons in /usr/sbin, which is not on a normal user's PATH.
const EXTRA_DIRS = ['/usr/bin', '/usr/sbin', '/usr/local/bin', '/usr/local/sbin', '/sbin', '/bin'];

/** The absolute path of an executable called `name`, or undefined. */
export function findBinary(name: string): string | undefined {
  const fromPath = (process.env.PATH ?? '').split(delimiter).filter((d) => d !== '');
  for (const dir of [...fromPath, ...EXTRA_DIRS]) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; try the next directory
    }
  }
  return undefined;
}

/** The error a missing server produces: it names the exact install command (design §9). */
export function missingBinaryMessage(name: string, aptPackage: string): string {
  return `missing ${name}: install it with: apt-get install -y ${aptPackage}`;
}

/**
 * The absolute path of `name`. Throws when it is absent so that the suite FAILS: a skipped
 * integration test would let "works with Prosody and ejabberd" rot unnoticed.
 */
export function requireBinary(name: string, aptPackage: string): string {
  const path = findBinary(name);
  if (path === undefined) throw new Error(missingBinaryMessage(name, aptPackage));
  return path;
}
