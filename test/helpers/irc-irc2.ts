/**
 * A real ircd-irc2 2.11 (Debian `ircd-irc2`) for the IRC bridge tests, on a free loopback port, in
 * the foreground (`-t`) with a config from test/fixtures/irc/irc2.conf.tmpl.
 *
 * irc2 has no option for its config file: its paths (/etc/ircd/ircd.conf, /var/run/ircd/…,
 * /var/log/ircd/…, /usr/sbin/iauth) are compiled in. The copies it runs (ircd and iauth) have them
 * rewritten to names relative to the temp dir it runs in, installed or not (irc2 does not chdir).
 *
 * What the tests must know about irc2:
 * - it starts, and stays, in "split mode" (fewer than SPLIT_SERVERS servers linked, which SET
 *   cannot lower below 10): whoever creates a `#` channel gets no operator status, so scenarios
 *   that need a channel operator use a `&` (server-local) channel, which irc2 still ops;
 * - no CAP at all (`421 CAP :Unknown command`), NICKLEN=15, CASEMAPPING=ascii;
 * - ident lookups are iauth's (`module rfc931` in iauth.conf).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireBinary } from './binaries.js';
import { findDebianTree, relocatedCopy, runIrcd, worldWritableTempDir, type TestIrcd } from './ircd-debian-tree.js';
import { freePort } from './ports.js';
import { fillTemplate, readFixture, spawnServer } from './server-process.js';

export interface Irc2Options {
  /** RFC 1413 lookups of every client by iauth (at 127.0.0.1:113 for the tests' clients). */
  ident?: boolean;
}

const IRCD_PATHS: Array<[string, string]> = [
  ['/etc/ircd/ircd.conf', 'ircd.conf'],
  ['/etc/ircd/ircd.motd', 'ircd.motd'],
  ['/etc/ircd/ircd.m4', 'ircd.m4'],
  ['/var/run/ircd/ircd.tune', 'ircd.tune'],
  ['/var/run/ircd/ircd.pid', 'ircd.pid'],
  ['/var/log/ircd/ircd', 'ircd'],
  ['/var/log/ircd/ircd.users', 'ircd.users'],
  ['/var/log/ircd/ircd.rejects', 'ircd.rejects'],
  ['/var/log/ircd/ircd.opers', 'ircd.opers'],
  ['/usr/sbin/iauth', './iauth'],
];
const IAUTH_PATHS: Array<[string, string]> = [
  ['/etc/ircd/iauth.conf', 'iauth.conf'],
  ['/var/log/ircd/ircd.auth', 'ircd.auth'],
];

export async function startIrc2(opts: Irc2Options = {}): Promise<TestIrcd> {
  const tree = findDebianTree('ircd-irc2', '/usr/sbin/ircd');
  const dir = worldWritableTempDir('switchboard-irc2-');
  relocatedCopy(
    tree.bin,
    join(dir, 'ircd'),
    IRCD_PATHS.map(([from, to]) => ({ from, to })),
  );
  relocatedCopy(
    join(tree.root, '/usr/sbin/iauth'),
    join(dir, 'iauth'),
    IAUTH_PATHS.map(([from, to]) => ({ from, to })),
  );
  const port = await freePort();
  writeFileSync(join(dir, 'ircd.conf'), fillTemplate(readFixture('irc/irc2.conf.tmpl'), { port: String(port) }));
  writeFileSync(join(dir, 'ircd.motd'), 'Switchboard test server\n');
  // irc2 pipes ircd.m4 then ircd.conf through m4 (/usr/bin/m4); the fixture uses no macro.
  requireBinary('m4', 'm4');
  writeFileSync(join(dir, 'ircd.m4'), '');
  writeFileSync(join(dir, 'iauth.conf'), opts.ident ? 'notimeout\nmodule rfc931\n' : 'notimeout\n');
  return runIrcd({
    kind: 'ircd-irc2',
    name: 'irc2.test.local',
    dir,
    port,
    // -t: in the foreground, logging to stderr. iauth (ident) runs unless -s.
    spawn: () => spawnServer(join(dir, 'ircd'), ['-t'], { cwd: dir }),
    logFiles: [join(dir, 'ircd.auth')],
  });
}
