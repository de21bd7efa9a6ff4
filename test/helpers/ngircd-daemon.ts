/**
 * ngircd (Debian `ngircd`) for the demo: state and log in a directory the caller keeps, on a port
 * it chooses, with a predefined channel. irc-ngircd.ts is the test variant (temp dir, output in
 * memory, an operator block for K-line tests).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireBinary } from './binaries.js';
import { killStale, startDaemon, waitForListening, type Daemon } from './daemon.js';

export interface NgircdDaemonOptions {
  dir: string;
  port: number;
  /** Server name as shown in numerics; ngircd wants a dot in it. */
  name: string;
  /** Predefined (always existing, persistent) channels with their topic. */
  channels: Array<{ name: string; topic: string }>;
  pidFile: string;
}

export interface NgircdDaemon {
  daemon: Daemon;
  configFile: string;
}

/**
 * Started as root, ngircd drops to `nobody` once its port is bound (ServerUID 0 counts as unset)
 * and can then write nothing under a root-owned directory such as a checkout in /root: its own
 * PID file goes to the temp dir then. (daemon.ts keeps the pid that killStale uses anyway.)
 */
function ngircdPidFile(dir: string): string {
  if (process.getuid?.() !== 0) return join(dir, 'ngircd.pid');
  return join(tmpdir(), `switchboard-demo-ngircd-${createHash('sha256').update(dir).digest('hex').slice(0, 12)}.pid`);
}

function config(opts: NgircdDaemonOptions): string {
  const channels = opts.channels.map((c) => `[Channel]\n\tName = ${c.name}\n\tTopic = ${c.topic}\n\tModes = +tn\n`).join('\n');
  return `# Written by the Switchboard demo (test/helpers/ngircd-daemon.ts) at every start.
[Global]
\tName = ${opts.name}
\tInfo = Switchboard demo IRC server
\t# RFC 2812 ADMIN data; without it ngircd logs a warning at every start.
\tAdminInfo1 = Switchboard demo
\tAdminInfo2 = this machine
\tAdminEMail = admin@localhost
\tListen = 127.0.0.1
\tPorts = ${opts.port}
\tMotdPhrase = "Switchboard demo server: /join ${opts.channels[0]?.name ?? '#demo'}"
\tPidFile = ${ngircdPidFile(opts.dir)}

[Limits]
\t# Every demo user's IRC connection, and the user's own IRC clients, come from 127.0.0.1.
\tMaxConnectionsIP = 0
\tMaxJoins = 0
\tMaxNickLength = 30

[Options]
\tPAM = no
\tIdent = no
\tDNS = no

${channels}`;
}

export async function startNgircdDaemon(opts: NgircdDaemonOptions): Promise<NgircdDaemon> {
  const bin = requireBinary('ngircd', 'ngircd');
  mkdirSync(opts.dir, { recursive: true });
  const configFile = join(opts.dir, 'ngircd.conf');
  await killStale(opts.pidFile, configFile);
  writeFileSync(configFile, config(opts));
  // -n: in the foreground, so the child is ngircd itself; its log goes to stderr, hence the file.
  const daemon = startDaemon('ngircd', bin, ['-n', '-f', configFile], {
    cwd: opts.dir,
    logFile: join(opts.dir, 'ngircd.log'),
    pidFile: opts.pidFile,
    detached: true,
  });
  await waitForListening(daemon, [opts.port]);
  return { daemon, configFile };
}
