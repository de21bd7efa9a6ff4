/**
 * What ircd-hybrid, ircd-irc2 and ircd-ircu share in the tests. The three CONFLICT with each other
 * in Debian (only one can be apt-installed), so .ci/run fetches them with `apt-get download` and
 * unpacks each with `dpkg -x` into $SWITCHBOARD_IRCDS_DIR/<package> (default
 * /opt/switchboard-ircds/<package>); an apt-installed one is found in its normal place too.
 *
 * Each was built for its own install paths, and an unpacked tree is elsewhere, so the helper runs
 * a copy of the binary with some compiled-in strings rewritten (`relocatedCopy`): a path becomes a
 * shorter one (NUL-padded, so the string table keeps its layout); no code is changed except where
 * a helper says so. Both ircd-hybrid and ircd-ircu refuse to run as root, so when the suite runs as
 * root (CI) they run as `nobody` in a world-writable temp dir.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SpawnOptions } from 'node:child_process';
import { killProcess, stopProcess, waitForPorts, type ServerProcess } from './server-process.js';

export const IRCDS_DIR = process.env['SWITCHBOARD_IRCDS_DIR'] ?? '/opt/switchboard-ircds';

/** Where a Debian ircd package's files are: `root` + a path from the package (`/usr/sbin/ircd`). */
export interface DebianTree {
  pkg: string;
  /** '' when apt-installed, else the directory it was unpacked into. */
  root: string;
  bin: string;
}

/** The apt-get line for a missing ircd, and the unpacked alternative that .ci/run uses. */
export function missingIrcdMessage(pkg: string): string {
  return (
    `missing ${pkg}: install it with: apt-get install -y ${pkg}` +
    ` (it conflicts with the other old ircds; to have all three: sudo scripts/install-test-ircds.sh, which unpacks them under ${IRCDS_DIR})`
  );
}

/** The package's binary (`/usr/sbin/…`), unpacked under IRCDS_DIR or installed; throws when absent. */
export function findDebianTree(pkg: string, binPath: string): DebianTree {
  const unpacked = join(IRCDS_DIR, pkg);
  if (existsSync(join(unpacked, binPath))) return { pkg, root: unpacked, bin: join(unpacked, binPath) };
  if (existsSync(binPath)) return { pkg, root: '', bin: binPath };
  throw new Error(missingIrcdMessage(pkg));
}

export interface Rewrite {
  /** A NUL-terminated string compiled into the binary (its exact text), or raw bytes as hex. */
  from: string | { hex: string };
  to: string | { hex: string };
  /** How many times it must occur (default 1): a different build fails loudly, not subtly. */
  count?: number;
}

const bytesOf = (v: string | { hex: string }, nul: boolean): Buffer =>
  typeof v === 'string' ? Buffer.from(nul ? `${v}\0` : v, 'latin1') : Buffer.from(v.hex, 'hex');
const show = (v: string | { hex: string }): string => (typeof v === 'string' ? v : `0x${v.hex}`);

/** Copy `src` to `dest` (mode 0755) with each rewrite applied; a string may only get shorter. */
export function relocatedCopy(src: string, dest: string, rewrites: Rewrite[]): void {
  const image = readFileSync(src);
  for (const r of rewrites) {
    const from = bytesOf(r.from, true);
    let to = bytesOf(r.to, typeof r.to === 'string');
    if (to.length > from.length) throw new Error(`relocatedCopy: ${show(r.to)} is longer than ${show(r.from)}`);
    if (typeof r.to === 'string') to = Buffer.concat([to, Buffer.alloc(from.length - to.length)]);
    else if (to.length !== from.length) throw new Error('relocatedCopy: a code rewrite must keep its length');
    const positions: number[] = [];
    for (let at = image.indexOf(from); at !== -1; at = image.indexOf(from, at + from.length)) positions.push(at);
    if (positions.length !== (r.count ?? 1)) {
      throw new Error(
        `relocatedCopy: ${src} holds ${positions.length} copies of ${show(r.from)}, expected ${r.count ?? 1}: not the Debian build these tests know`,
      );
    }
    for (const at of positions) to.copy(image, at);
  }
  writeFileSync(dest, image);
  chmodSync(dest, 0o755);
}

/** A temp dir that `nobody` can write to (the ircds that refuse root run as nobody). */
export function worldWritableTempDir(prefix: string, base = tmpdir()): string {
  const dir = mkdtempSync(join(base, prefix));
  chmodSync(dir, 0o777);
  return dir;
}

/** Spawn options dropping root to nobody (65534), for servers that will not run as root. */
export function unprivileged(cwd: string): SpawnOptions {
  return process.getuid?.() === 0 ? { cwd, uid: 65534, gid: 65534 } : { cwd };
}

/** A server under test that the matrix drives the same way whatever it is. */
export interface TestIrcd {
  /** Which server, for test names: `ngircd`, `InspIRCd 3`, `ircd-hybrid`, … */
  kind: string;
  port: number;
  /** The server name, as in numerics' prefixes. */
  name: string;
  dir: string;
  stop(): Promise<void>;
  /** Stop (or SIGKILL: a crash), wait `downMs`, start again on the same port: clients are dropped. */
  restart(downMs?: number, how?: 'stop' | 'kill'): Promise<void>;
  logs(): string;
}

export interface IrcdLaunch {
  kind: string;
  name: string;
  dir: string;
  port: number;
  /** Spawn the server (called by start and restart). */
  spawn(): ServerProcess;
  /** Files the server writes its log to, appended to logs(). */
  logFiles?: string[];
  startTimeoutMs?: number;
}

/** Start a server process and wrap it as a TestIrcd (restart on the same port, logs, temp dir removal). */
export async function runIrcd(launch: IrcdLaunch): Promise<TestIrcd> {
  let proc: ServerProcess;
  let past = '';
  let finalLogs: string | undefined;
  const fileLogs = () =>
    (launch.logFiles ?? [])
      .filter((f) => existsSync(f))
      .map((f) => `--- ${f} ---\n${readFileSync(f, 'latin1')}`)
      .join('\n');
  const logs = () => finalLogs ?? `${past}${proc.output()}\n${fileLogs()}`;
  const start = async () => {
    proc = launch.spawn();
    await waitForPorts(proc, [launch.port], launch.kind, logs, launch.startTimeoutMs ?? 15_000);
  };
  await start();
  return {
    kind: launch.kind,
    port: launch.port,
    name: launch.name,
    dir: launch.dir,
    async stop() {
      if (finalLogs !== undefined) return;
      await stopProcess(proc, 3000);
      finalLogs = logs();
      if (process.env['SWITCHBOARD_KEEP_TEST_DIRS'] === undefined) rmSync(launch.dir, { recursive: true, force: true });
    },
    async restart(downMs = 0, how: 'stop' | 'kill' = 'stop') {
      if (how === 'kill') await killProcess(proc);
      else await stopProcess(proc, 3000);
      past += proc.output();
      if (downMs) await new Promise((r) => setTimeout(r, downMs));
      await start();
    },
    logs,
  };
}
