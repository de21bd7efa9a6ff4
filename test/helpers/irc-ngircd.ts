/**
 * A real ngircd 26 (Debian `ngircd`) for the IRC bridge tests, on a free loopback port, in the
 * foreground (`-n`) with a config from test/fixtures/irc/ngircd.conf.tmpl.
 */
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireBinary } from './binaries.js';
import { freePort } from './ports.js';
import { fillTemplate, killProcess, readFixture, runCommand, spawnServer, stopProcess, waitForPorts, type ServerProcess } from './server-process.js';
import { afterThisTest } from './cleanup.js';

export interface Ngircd {
  port: number;
  /** The TLS port, when started with `tls: true` (self-signed certificate for CN=localhost). */
  tlsPort?: number;
  /** SHA-256 fingerprint of that certificate, `AB:CD:…`. */
  fingerprint256?: string;
  /** The server name (`irc.test.local`), as in numerics' prefixes. */
  name: string;
  dir: string;
  stop(): Promise<void>;
  /** Stop, then start on the same port (clients are disconnected); `how: 'kill'` is SIGKILL (a crash). */
  restart(downMs?: number, how?: 'stop' | 'kill'): Promise<void>;
  logs(): string;
}

export interface NgircdOptions {
  /** ngircd's MaxPenaltyTime: 0 (default here) disables its flood control; -1 is ngircd's default. */
  maxPenaltyTime?: number;
  /** Also listen with TLS on a second port, with a fresh self-signed certificate. */
  tls?: boolean;
  /** Look up the ident of every client (RFC 1413, at 127.0.0.1:113 for the tests' clients). */
  ident?: boolean;
  /** Accept WEBIRC with this password. */
  webircPassword?: string;
}

export async function startNgircd(opts: NgircdOptions = {}): Promise<Ngircd> {
  const bin = requireBinary('ngircd', 'ngircd');
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-ngircd-'));
  const port = await freePort();
  const conf = join(dir, 'ngircd.conf');
  let sslSection = '';
  let tlsPort: number | undefined;
  let fingerprint256: string | undefined;
  if (opts.tls) {
    const openssl = requireBinary('openssl', 'openssl');
    await runCommand(openssl, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '2', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { cwd: dir });
    fingerprint256 = new X509Certificate(readFileSync(join(dir, 'cert.pem'))).fingerprint256;
    tlsPort = await freePort();
    sslSection = `[SSL]\n\tCertFile = ${join(dir, 'cert.pem')}\n\tKeyFile = ${join(dir, 'key.pem')}\n\tPorts = ${tlsPort}\n`;
  }
  writeFileSync(conf, fillTemplate(readFixture('irc/ngircd.conf.tmpl'), { port: String(port), dir, maxPenaltyTime: String(opts.maxPenaltyTime ?? 0), sslSection, ident: opts.ident ? 'yes' : 'no', webircPassword: opts.webircPassword ?? '', dns: opts.ident || opts.webircPassword ? 'yes' : 'no' }));
  let proc: ServerProcess;
  let past = '';
  const start = async () => {
    proc = spawnServer(bin, ['-n', '-f', conf], { cwd: dir });
    await waitForPorts(proc, tlsPort ? [port, tlsPort] : [port], 'ngircd', () => past + proc.output(), 10_000);
  };
  await start();
  afterThisTest(() => stopProcess(proc, 3000));
  return {
    port,
    ...(tlsPort ? { tlsPort } : {}),
    ...(fingerprint256 ? { fingerprint256 } : {}),
    name: 'irc.test.local',
    dir,
    async stop() {
      await stopProcess(proc, 3000);
    },
    async restart(downMs = 0, how: 'stop' | 'kill' = 'stop') {
      if (how === 'kill') await killProcess(proc);
      else await stopProcess(proc, 3000);
      past += proc.output();
      if (downMs) await new Promise((r) => setTimeout(r, downMs));
      await start();
    },
    logs: () => past + proc.output(),
  };
}
