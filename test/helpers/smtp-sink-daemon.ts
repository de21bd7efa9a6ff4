/**
 * The outbound-mail sink for the demo: python3-aiosmtpd with test/fixtures/email/sink_handler.py,
 * storing every mail in <dir>/Maildir (the envelope as X-Sink-* headers). email-smtp-sink.ts is
 * the test variant (temp dir, output in memory, switchable failures).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { missingBinaryMessage } from './binaries.js';
import { killStale, startDaemon, waitForListening, type Daemon } from './daemon.js';
import { repoRoot } from './repo.js';

// Debian's interpreter, where python3-aiosmtpd is installed (not a pyenv/venv python3 on PATH).
const PYTHON = '/usr/bin/python3';

export interface SmtpSinkDaemon {
  daemon: Daemon;
  maildir: string;
}

export async function startSmtpSinkDaemon(opts: { dir: string; port: number; pidFile: string }): Promise<SmtpSinkDaemon> {
  if (spawnSync(PYTHON, ['-c', 'import aiosmtpd'], { stdio: 'ignore' }).status !== 0) throw new Error(missingBinaryMessage('python3-aiosmtpd', 'python3-aiosmtpd'));
  mkdirSync(opts.dir, { recursive: true });
  // The dir is on the command line, so killStale recognises a sink left by a crashed run.
  await killStale(opts.pidFile, opts.dir);
  const daemon = startDaemon('smtp-sink', PYTHON, ['-m', 'aiosmtpd', '-n', '-u', '-l', `127.0.0.1:${opts.port}`, '-c', 'sink_handler.Handler', opts.dir], {
    cwd: opts.dir,
    env: { ...process.env, PYTHONPATH: join(repoRoot(), 'test', 'fixtures', 'email') },
    logFile: join(opts.dir, 'smtp-sink.log'),
    pidFile: opts.pidFile,
    detached: true,
  });
  await waitForListening(daemon, [opts.port]);
  return { daemon, maildir: join(opts.dir, 'Maildir') };
}
