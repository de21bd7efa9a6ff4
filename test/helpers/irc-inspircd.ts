/**
 * A real InspIRCd 3 (Debian `inspircd`, /usr/sbin/inspircd) for the IRC bridge tests, on a free
 * loopback port, in the foreground (`--nofork --nopid`) with a config from
 * test/fixtures/irc/inspircd.conf.tmpl in a temp dir. Modules are opt-in: m_ident (RFC 1413
 * lookups, always to port 113 of the client: InspIRCd 3 has no setting for the port),
 * m_cgiirc with one WebIRC block, and the IRCv3 modules (CAP, message-tags with client tags,
 * echo-message, msgid, server-time, batch, labeled-response, account-tag, chghost, invite-notify).
 */
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireBinary } from './binaries.js';
import { freePort } from './ports.js';
import { fillTemplate, killProcess, readFixture, runCommand, spawnServer, stopProcess, waitForPorts, type ServerProcess } from './server-process.js';

export interface Inspircd {
  port: number;
  /** The TLS port, when started with `tls` (self-signed certificate for CN=localhost). */
  tlsPort?: number;
  /** SHA-256 fingerprint of that certificate, `AB:CD:…`. */
  fingerprint256?: string;
  /** The server name, as in numerics' prefixes. */
  name: string;
  dir: string;
  stop(): Promise<void>;
  /** Stop (or SIGKILL), wait `downMs`, start again on the same port and config: clients are dropped. */
  restart(downMs?: number, how?: 'stop' | 'kill'): Promise<void>;
  logs(): string;
}

export interface InspircdOptions {
  /** Load m_ident: look up the ident of every client (at 127.0.0.1:113 for the tests' clients). */
  ident?: boolean;
  /** Load m_cgiirc with a `<cgihost type="webirc">` block for 127.0.0.1 and this (plain text) password. */
  webircPassword?: string;
  /** Load m_cap and the IRCv3 modules (InspIRCd 3 has no draft/message-redaction). */
  ircv3?: boolean;
  /**
   * Also listen with TLS (m_ssl_gnutls, a fresh self-signed certificate for CN=localhost); with
   * `stsDuration`, m_ircv3_sts advertises `sts=port=<tls port>` over plaintext and
   * `sts=duration=<s>` over TLS to clients that sent SNI `localhost` (its `<sts:host>`).
   */
  tls?: { stsDuration?: number };
}

/** The IRCv3 modules of Debian's InspIRCd 3 that a modern network loads (issue 12). */
export const IRCV3_MODULES = [
  'cap',
  'ircv3',
  'ircv3_ctctags',
  'ircv3_echomessage',
  'ircv3_msgid',
  'ircv3_servertime',
  'ircv3_batch',
  'ircv3_labeledresponse',
  'ircv3_accounttag',
  'ircv3_chghost',
  'ircv3_invitenotify',
];

const escapeAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

export async function startInspircd(opts: InspircdOptions = {}): Promise<Inspircd> {
  const bin = requireBinary('inspircd', 'inspircd');
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-inspircd-'));
  const port = await freePort();
  const modules: string[] = [];
  if (opts.ident) modules.push('<module name="ident">');
  if (opts.webircPassword !== undefined) {
    modules.push('<module name="cgiirc">', '<cgiirc opernotice="no">');
    modules.push(`<cgihost type="webirc" password="${escapeAttr(opts.webircPassword)}" hash="plaintext" mask="127.0.0.1">`);
  }
  if (opts.ircv3) modules.push(...IRCV3_MODULES.map((m) => `<module name="${m}">`));
  let tlsPort: number | undefined;
  let fingerprint256: string | undefined;
  if (opts.tls) {
    tlsPort = await freePort();
    const openssl = requireBinary('openssl', 'openssl');
    await runCommand(openssl, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '2', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { cwd: dir });
    fingerprint256 = new X509Certificate(readFileSync(join(dir, 'cert.pem'))).fingerprint256;
    modules.push(
      '<module name="ssl_gnutls">',
      `<sslprofile name="Clients" provider="gnutls" certfile="${dir}/cert.pem" keyfile="${dir}/key.pem" dhfile="" hash="sha256" requestclientcert="no">`,
      `<bind address="127.0.0.1" port="${tlsPort}" type="clients" ssl="Clients">`,
    );
    if (opts.tls.stsDuration !== undefined) {
      if (!opts.ircv3) modules.push('<module name="cap">');
      modules.push('<module name="ircv3_sts">', `<sts host="localhost" port="${tlsPort}" duration="${opts.tls.stsDuration}">`);
    }
  }
  writeFileSync(join(dir, 'motd.txt'), 'Switchboard test server\n');
  const conf = join(dir, 'inspircd.conf');
  writeFileSync(
    conf,
    fillTemplate(readFixture('irc/inspircd.conf.tmpl'), { port: String(port), dir, useIdent: opts.ident ? 'yes' : 'no', modules: modules.join('\n') }),
  );
  // The tests run as root (CI); InspIRCd refuses that without --runasroot.
  const args = ['--nofork', '--nopid', '--config', conf, ...(process.getuid?.() === 0 ? ['--runasroot'] : [])];
  let proc: ServerProcess = spawnServer(bin, args, { cwd: dir });
  const logs = () => {
    let file = '';
    try {
      file = readFileSync(join(dir, 'ircd.log'), 'utf8');
    } catch {
      // not written yet
    }
    return `${proc.output()}\n--- ircd.log ---\n${file}`;
  };
  await waitForPorts(proc, tlsPort ? [port, tlsPort] : [port], 'inspircd', logs, 15_000);
  let finalLogs: string | undefined;
  return {
    port,
    ...(tlsPort ? { tlsPort } : {}),
    ...(fingerprint256 ? { fingerprint256 } : {}),
    name: 'irc.inspircd.test',
    dir,
    async stop() {
      if (finalLogs !== undefined) return;
      await stopProcess(proc, 3000);
      finalLogs = logs();
      if (process.env['SWITCHBOARD_KEEP_TEST_DIRS'] === undefined) rmSync(dir, { recursive: true, force: true });
    },
    async restart(downMs = 0, how: 'stop' | 'kill' = 'stop') {
      if (how === 'kill') await killProcess(proc);
      else await stopProcess(proc, 3000);
      if (downMs) await new Promise((r) => setTimeout(r, downMs));
      proc = spawnServer(bin, args, { cwd: dir });
      await waitForPorts(proc, [port], 'inspircd', logs, 15_000);
    },
    logs: () => finalLogs ?? logs(),
  };
}
