/**
 * The helper that runs Debian's old ircds from unpacked trees (test/helpers/ircd-debian-tree.ts):
 * a missing one fails with its install line, and a rewrite of a compiled-in string or instruction
 * applies exactly where the known build has it, or fails loudly.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findDebianTree, missingIrcdMessage, relocatedCopy } from '../helpers/ircd-debian-tree.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function scratch(): string {
  const d = mkdtempSync(join(tmpdir(), 'sb-tree-'));
  dirs.push(d);
  return d;
}

describe('Debian ircd trees', () => {
  it('a missing ircd fails with its apt-get install line and the unpacked alternative', () => {
    expect(() => findDebianTree('ircd-nonesuch', '/usr/sbin/ircd-nonesuch')).toThrow(missingIrcdMessage('ircd-nonesuch'));
    expect(missingIrcdMessage('ircd-irc2')).toMatch(
      /^missing ircd-irc2: install it with: apt-get install -y ircd-irc2 .*sudo scripts\/install-test-ircds.sh/,
    );
  });

  it('a compiled-in path becomes a shorter one, NUL-padded in place; an instruction keeps its length', () => {
    const d = scratch();
    const src = join(d, 'in');
    writeFileSync(src, Buffer.concat([Buffer.from('head\0/etc/ircd/ircd.conf\0tail'), Buffer.from('bee4ff0f00', 'hex')]));
    relocatedCopy(src, join(d, 'out'), [
      { from: '/etc/ircd/ircd.conf', to: 'ircd.conf' },
      { from: { hex: 'bee4ff0f00' }, to: { hex: 'be00100000' } },
    ]);
    const out = readFileSync(join(d, 'out'));
    expect(out.length).toBe(readFileSync(src).length);
    expect(out.subarray(0, 25).toString('latin1')).toBe(`head\0ircd.conf${'\0'.repeat(11)}`);
    expect(out.subarray(-5).toString('hex')).toBe('be00100000');
    expect(statSync(join(d, 'out')).mode & 0o777).toBe(0o755);
  });

  it('refuses a build where a rewrite is not found as often as expected, or a longer path', () => {
    const d = scratch();
    const src = join(d, 'in');
    writeFileSync(src, 'x\0/usr/sbin/ircd\0/usr/sbin/ircd\0');
    expect(() => relocatedCopy(src, join(d, 'out'), [{ from: '/usr/sbin/ircd', to: './ircd' }])).toThrow(/holds 2 copies of \/usr\/sbin\/ircd, expected 1/);
    expect(() => relocatedCopy(src, join(d, 'out'), [{ from: '/usr/sbin/ircd', to: '/a/much/longer/path', count: 2 }])).toThrow(/longer/);
  });
});
