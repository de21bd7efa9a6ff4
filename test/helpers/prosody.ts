import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireBinary } from './binaries.js';
import { fillTemplate, readFixture } from './fixtures.js';
import { freePorts } from './ports.js';
import { runCommand, spawnServer, startManagedServer, type XmppServer, type XmppServerOptions } from './server-process.js';

export type { XmppServer, XmppServerOptions } from './server-process.js';

const START_TIMEOUT_MS = 15_000;
const STOP_GRACE_MS = 5_000;

/** Lua string literal; JSON string syntax is valid Lua for what tests put in a config. */
function lua(value: string): string {
  return JSON.stringify(value);
}

function componentBlocks(opts: XmppServerOptions): string {
  return opts.components
    .map((c) => `Component ${lua(c.domain)}\n  component_secret = ${lua(c.secret)}\n`)
    .join('\n');
}

/**
 * Start Prosody 0.12 in the foreground in a fresh temp dir, with the given external components
 * and accounts, on free loopback ports. test/fixtures/prosody.cfg.lua.tmpl says why each
 * setting is there.
 */
export async function startProsody(opts: XmppServerOptions): Promise<XmppServer> {
  const prosody = requireBinary('prosody', 'prosody');
  const prosodyctl = requireBinary('prosodyctl', 'prosody');
  const domain = opts.domain ?? 'localhost';
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-prosody-'));
  const [c2sPort, componentPort] = (await freePorts(2)) as [number, number];
  const configPath = join(dir, 'prosody.cfg.lua');
  mkdirSync(join(dir, 'data'), { recursive: true });
  mkdirSync(join(dir, 'certs'), { recursive: true });
  writeFileSync(
    configPath,
    fillTemplate(readFixture('prosody.cfg.lua.tmpl'), {
      dir,
      c2sPort: String(c2sPort),
      componentPort: String(componentPort),
      domain: lua(domain),
      // 'debug' logs every stanza, which is what a failing test's post-mortem needs.
      logLevel: opts.logLevel ?? 'debug',
      components: componentBlocks(opts),
      offlineDisabled: opts.offlineStorage === false ? '; "offline"' : '',
    }),
  );

  // cwd and HOME in the temp dir: nothing may touch the real /var/lib/prosody or ~.
  const spawnOptions = { cwd: dir, env: { ...process.env, HOME: dir } };
  const addUser = async (username: string, password: string): Promise<void> => {
    // Writes data/<host>/accounts/<user>.dat; the running server reads it at login, so this
    // works before start and while it runs.
    await runCommand(prosodyctl, ['--config', configPath, 'register', username, domain, password], spawnOptions);
  };
  for (const user of opts.users) await addUser(user.username, user.password);

  return startManagedServer({
    kind: 'prosody',
    domain,
    c2sPort,
    componentPort,
    dir,
    logFile: join(dir, 'prosody.log'),
    // -F: stay in the foreground so the child is Prosody itself and stop() can await its exit.
    launch: () => spawnServer(prosody, ['--config', configPath, '-F'], spawnOptions),
    addUser,
    startTimeoutMs: START_TIMEOUT_MS,
    stopGraceMs: STOP_GRACE_MS,
  });
}
