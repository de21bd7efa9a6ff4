/**
 * Prosody in a directory and on ports the caller chooses (the demo wants its state in ./.demo
 * and c2s on 5222 so that any client finds `alice@localhost`), from the same config template
 * as the tests. prosody.ts picks a temp dir and free ports itself and deletes the dir on stop,
 * which is right for tests and wrong here.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { requireBinary } from './binaries.js';
import { startDaemon, waitForListening, type Daemon } from './daemon.js';
import { fillTemplate, readFixture } from './fixtures.js';
import type { ServerComponent, ServerUser } from './server-process.js';

const run = promisify(execFile);

export interface ProsodyDaemonOptions {
  dir: string;
  domain: string;
  c2sPort: number;
  componentPort: number;
  users: ServerUser[];
  components: ServerComponent[];
  logLevel?: 'debug' | 'info' | 'warn';
  pidFile?: string;
  detached?: boolean;
}

export interface ProsodyDaemon {
  daemon: Daemon;
  configFile: string;
  logFile: string;
}

const lua = (value: string): string => JSON.stringify(value);

export async function startProsodyDaemon(opts: ProsodyDaemonOptions): Promise<ProsodyDaemon> {
  const prosody = requireBinary('prosody', 'prosody');
  const prosodyctl = requireBinary('prosodyctl', 'prosody');
  const { dir } = opts;
  mkdirSync(join(dir, 'data'), { recursive: true });
  mkdirSync(join(dir, 'certs'), { recursive: true });
  const configFile = join(dir, 'prosody.cfg.lua');
  const logFile = join(dir, 'prosody.log');
  writeFileSync(
    configFile,
    fillTemplate(readFixture('prosody.cfg.lua.tmpl'), {
      dir,
      c2sPort: String(opts.c2sPort),
      componentPort: String(opts.componentPort),
      domain: lua(opts.domain),
      logLevel: opts.logLevel ?? 'info',
      components: opts.components.map((c) => `Component ${lua(c.domain)}\n  component_secret = ${lua(c.secret)}\n`).join('\n'),
      // The demo keeps Prosody's offline storage (tests may turn it off: prosody.ts).
      offlineDisabled: '',
    }),
    { mode: 0o600 },
  );
  // HOME in the dir: nothing may touch ~ or /var/lib/prosody. `register` creates the account or
  // sets its password, so running it on every start keeps the printed passwords true.
  const env = { ...process.env, HOME: dir };
  for (const u of opts.users) await run(prosodyctl, ['--config', configFile, 'register', u.username, opts.domain, u.password], { cwd: dir, env });
  // -F: in the foreground, so the child is Prosody itself and stop() can await its exit.
  const daemon = startDaemon('prosody', prosody, ['--config', configFile, '-F'], {
    cwd: dir,
    env,
    logFile: join(dir, 'prosody.stdout.log'),
    ...(opts.pidFile ? { pidFile: opts.pidFile } : {}),
    ...(opts.detached !== undefined ? { detached: opts.detached } : {}),
  });
  await waitForListening(daemon, [opts.c2sPort, opts.componentPort]);
  return { daemon, configFile, logFile };
}
