/**
 * A real ircd-hybrid 8.2 (Debian `ircd-hybrid`) for the IRC bridge tests, on a free loopback port,
 * in the foreground with a config from test/fixtures/irc/hybrid.conf.tmpl.
 *
 * From an unpacked tree (ircd-debian-tree.ts): hybrid loads its core modules from the compiled-in
 * MODPATH (/usr/lib/ircd-hybrid/modules/, whatever the config says), so the copy it runs has
 * MODPATH and the autoload path rewritten to `<temp dir>/m/`, a symlink to the tree's modules
 * (under /tmp, to fit in the 29 bytes of the original). It refuses to run as root: run as nobody.
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findDebianTree, relocatedCopy, runIrcd, unprivileged, worldWritableTempDir, type TestIrcd } from './ircd-debian-tree.js';
import { freePort } from './ports.js';
import { fillTemplate, readFixture, spawnServer } from './server-process.js';

export interface HybridOptions {
  /** RFC 1413 lookups of every client (at 127.0.0.1:113 for the tests' clients). */
  ident?: boolean;
}

const MODPATH = '/usr/lib/ircd-hybrid/modules/';
const AUTOMODPATH = '/usr/lib/ircd-hybrid/modules//autoload/';

export async function startHybrid(opts: HybridOptions = {}): Promise<TestIrcd> {
  const tree = findDebianTree('ircd-hybrid', '/usr/sbin/ircd-hybrid');
  // Under /tmp itself, whatever TMPDIR says: the path replaces a 29-byte string.
  const dir = worldWritableTempDir('sbh-', '/tmp');
  let bin = tree.bin;
  let modules = MODPATH.slice(0, -1);
  if (tree.root !== '') {
    symlinkSync(join(tree.root, MODPATH), join(dir, 'm'));
    modules = join(dir, 'm');
    bin = join(dir, 'ircd-hybrid');
    relocatedCopy(tree.bin, bin, [
      { from: MODPATH, to: `${modules}/` },
      { from: AUTOMODPATH, to: `${modules}/autoload/` },
    ]);
  }
  const port = await freePort();
  const conf = join(dir, 'ircd.conf');
  writeFileSync(conf, fillTemplate(readFixture('irc/hybrid.conf.tmpl'), { port: String(port), modules, disableAuth: opts.ident ? 'no' : 'yes' }));
  mkdirSync(join(dir, 'db'), { mode: 0o777 });
  const files = ['kline', 'dline', 'xline', 'resv'].flatMap((k) => [`-${k}file`, join(dir, 'db', `${k}.db`)]);
  const args = ['-foreground', '-configfile', conf, '-pidfile', join(dir, 'ircd.pid'), '-logfile', join(dir, 'ircd.log'), ...files];
  return runIrcd({
    kind: 'ircd-hybrid',
    name: 'hybrid.test.local',
    dir,
    port,
    spawn: () => spawnServer(bin, args, unprivileged(dir)),
    logFiles: [join(dir, 'ircd.log')],
  });
}
