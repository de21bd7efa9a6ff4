/**
 * A real ircd-ircu 2.10.12 (Debian `ircd-ircu`, Undernet's ircd) for the IRC bridge tests, on a
 * free loopback port, in the foreground (`-n`) in a temp dir (`-d`) with a config from
 * test/fixtures/irc/ircu.conf.tmpl.
 *
 * Debian's ircu cannot start as shipped: configure took MAXCONNECTIONS from the build machine's fd
 * limit (1048572), and ircu then refuses to start ("MAXCLIENTS (or MAXCONNECTIONS) is (at least)
 * 786432 too large", the P10 numnick space holds 262144; upstream's answer is to rebuild with
 * --with-maxcon, UndernetIRC/ircu2#24) and wants a hard fd limit above 1048572 (raising it needs
 * CAP_SYS_RESOURCE, which containers lack). So the copy it runs has the four places that use that
 * constant at start-up rewritten to 4096: the numnick capacity (SetYXXCapacity), the fd limit it
 * asks for, the event engine's size and the client pre-allocation (1.3 GB of RSS otherwise); the
 * remaining uses are upper bounds that 4096 fds never reach. Each rewrite is an exact 5- or
 * 6-byte x86-64 instruction that must occur exactly as often as in Debian's build
 * 2.10.12.10.dfsg1-3+b2, so another build fails with a clear message. SPATH (/usr/sbin/ircd-ircu,
 * checked at start) becomes `./ircd-ircu`, the copy in its -d dir. It refuses root: run as nobody.
 *
 * What the tests must know about ircu: no CAP (421), a registration PING cookie that must be
 * answered before 001, NICKLEN=12, CASEMAPPING=rfc1459, numerics 329 (creation time) and 333,
 * and it always looks up the client's ident (port 113).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findDebianTree, relocatedCopy, runIrcd, unprivileged, worldWritableTempDir, type TestIrcd } from './ircd-debian-tree.js';
import { freePort } from './ports.js';
import { fillTemplate, readFixture, spawnServer } from './server-process.js';

// mov $imm32 into a register: 0xfffe4 = MAXCLIENTS (MAXCONNECTIONS - 24), 0xffffc = MAXCONNECTIONS.
const MAXCON_REWRITES = [
  { from: { hex: 'bee4ff0f00' }, to: { hex: 'be00100000' } }, // mov $0xfffe4,%esi: SetYXXCapacity(&me, MAXCLIENTS)
  { from: { hex: 'bffcff0f00' }, to: { hex: 'bf00100000' }, count: 2 }, // mov $0xffffc,%edi: event_init, os_set_fdlimit
  { from: { hex: 'bbfcff0f00' }, to: { hex: 'bb00100000' } }, // mov $0xffffc,%ebx: init_list's pre-allocation loop
  { from: { hex: '81fbfcff0f00' }, to: { hex: '81fb00100000' } }, // cmp $0xffffc,%ebx: close_connections' loop
];

export async function startIrcu(): Promise<TestIrcd> {
  const tree = findDebianTree('ircd-ircu', '/usr/sbin/ircd-ircu');
  const dir = worldWritableTempDir('switchboard-ircu-');
  const bin = join(dir, 'ircd-ircu');
  relocatedCopy(tree.bin, bin, [...MAXCON_REWRITES, { from: '/usr/sbin/ircd-ircu', to: './ircd-ircu' }]);
  const port = await freePort();
  writeFileSync(join(dir, 'ircd.conf'), fillTemplate(readFixture('irc/ircu.conf.tmpl'), { port: String(port), dir }));
  writeFileSync(join(dir, 'ircd.motd'), 'Switchboard test server\n');
  return runIrcd({
    kind: 'ircd-ircu',
    name: 'ircu.test.local',
    dir,
    port,
    spawn: () => spawnServer(bin, ['-n', '-d', dir, '-f', join(dir, 'ircd.conf')], unprivileged(dir)),
  });
}
