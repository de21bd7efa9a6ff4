import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireBinary } from './binaries.js';
import { freePorts } from './ports.js';
import { fillTemplate, readFixture } from './fixtures.js';
import {
  runCommand,
  spawnServer,
  startManagedServer,
  type ServerProcess,
  type XmppServer,
  type XmppServerOptions,
} from './server-process.js';

export type { XmppServer, XmppServerOptions } from './server-process.js';

const START_TIMEOUT_MS = 45_000;
// init:stop() takes ~3 s; mnesia must close cleanly or restart() could lose accounts.
const STOP_GRACE_MS = 20_000;
const DEFAULT_ERL_LIBS = '/usr/lib/x86_64-linux-gnu';

/**
 * Where Debian keeps the ejabberd OTP application: ejabberdctl sets ERL_LIBS to it, so read it
 * from there rather than hard-coding the architecture triplet.
 */
function ejabberdLibs(ejabberdctl: string): string {
  const script = readFileSync(ejabberdctl, 'utf8');
  const libs = /^ERL_LIBS='?([^'\n]+)'?$/m.exec(script)?.[1] ?? DEFAULT_ERL_LIBS;
  if (!existsSync(libs) || !readdirSync(libs).some((name) => name.startsWith('ejabberd-'))) {
    throw new Error(`ejabberd's Erlang application not found under ${libs}: apt-get install -y ejabberd`);
  }
  return libs;
}

function componentHosts(opts: XmppServerOptions): string {
  if (opts.components.length === 0) return '      {}';
  // JSON strings are valid YAML double-quoted scalars.
  return opts.components
    .map((c) => `      ${JSON.stringify(c.domain)}:\n        password: ${JSON.stringify(c.secret)}`)
    .join('\n');
}

function domainBalancing(domains: Record<string, number> | undefined): string {
  const entries = Object.entries(domains ?? {});
  if (entries.length === 0) return '';
  const lines = entries.map(([d, n]) => `  ${JSON.stringify(d)}:\n    type: bare_source\n    component_number: ${n}`);
  return `domain_balancing:\n${lines.join('\n')}`;
}

/**
 * Start ejabberd 23.01 in the foreground in a fresh temp dir (config, mnesia spool, logs,
 * HOME with its own Erlang cookie), with the given components and accounts.
 *
 * We run `erl` directly with the arguments `ejabberdctl foreground` would use, because
 * ejabberdctl started as root always re-executes itself as the `ejabberd` user via su, which
 * cannot write our temp dir. Erlang distribution (needed by the ctl commands) uses a fixed
 * per-instance port (-erl_epmd_port, -start_epmd false), so no epmd daemon is involved and
 * nothing outlives the server.
 */
export async function startEjabberd(opts: XmppServerOptions): Promise<XmppServer> {
  const erl = requireBinary('erl', 'erlang-base');
  const libs = ejabberdLibs(requireBinary('ejabberdctl', 'ejabberd'));
  const domain = opts.domain ?? 'localhost';
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-ejabberd-'));
  const [c2sPort, componentPort, distPort] = (await freePorts(3)) as [number, number, number];
  const node = `ejabberd-${c2sPort}@localhost`;
  const configPath = join(dir, 'ejabberd.yml');
  const spool = join(dir, 'spool');
  const logDir = join(dir, 'logs');
  mkdirSync(spool, { recursive: true });
  mkdirSync(logDir, { recursive: true });
  // Erlang refuses a cookie file readable by others.
  writeFileSync(join(dir, '.erlang.cookie'), randomBytes(20).toString('hex'), { mode: 0o600 });
  writeFileSync(
    configPath,
    fillTemplate(readFixture('ejabberd.yml.tmpl'), {
      c2sPort: String(c2sPort),
      componentPort: String(componentPort),
      domain: JSON.stringify(domain),
      logLevel: opts.logLevel === 'warn' ? 'warning' : (opts.logLevel ?? 'info'),
      components: componentHosts(opts),
      offlineModule: opts.offlineStorage === false ? '' : '  mod_offline: {}',
      domainBalancing: domainBalancing(opts.domainBalancing),
    }),
  );

  const env = {
    ...process.env,
    HOME: dir,
    ERL_LIBS: libs,
    EJABBERD_CONFIG_PATH: configPath,
    EJABBERD_LOG_PATH: join(logDir, 'ejabberd.log'),
    ERL_CRASH_DUMP: join(logDir, 'erl_crash.dump'),
    ERL_CRASH_DUMP_BYTES: '0',
  };
  // Distribution on a fixed port, loopback only, without epmd (OTP 23+).
  const distArgs = ['-erl_epmd_port', String(distPort), '-start_epmd', 'false'];

  /** Run an ejabberd_ctl command (what `ejabberdctl <args>` does) against the running node. */
  const ctl = (args: string[]): Promise<string> =>
    runCommand(
      erl,
      [
        '-sname', `ctl-${randomBytes(4).toString('hex')}@localhost`,
        '-hidden', '-noinput', ...distArgs, '-dist_listen', 'false',
        '-s', 'ejabberd_ctl', '-extra', node, ...args,
      ],
      { cwd: dir, env },
    );

  const launch = (): ServerProcess =>
    spawnServer(
      erl,
      [
        '-sname', node, ...distArgs,
        '-kernel', 'inet_dist_use_interface', '{127,0,0,1}',
        '+K', 'true', '+P', '250000',
        '-mnesia', 'dir', JSON.stringify(spool),
        '-s', 'ejabberd', '-noinput',
      ],
      { cwd: spool, env },
    );
  // The c2s port opens before mnesia has created every table on a loaded machine: registering
  // then fails with {no_exists,passwd,…} ("Database failure"). Retry that case only, briefly.
  const addUser = async (username: string, password: string): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      try {
        await ctl(['register', username, domain, password]);
        return;
      } catch (err) {
        const transient = /no_exists|Database failure/.test((err as Error).message);
        if (!transient || attempt >= 20) throw err;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  };

  // Stopping is SIGTERM: the Erlang VM then runs init:stop(), so ejabberd and mnesia shut
  // down cleanly and restart() finds the accounts in the spool.
  const server = await startManagedServer({
    kind: 'ejabberd',
    domain,
    c2sPort,
    componentPort,
    dir,
    logFile: join(logDir, 'ejabberd.log'),
    launch,
    addUser,
    startTimeoutMs: START_TIMEOUT_MS,
    stopGraceMs: STOP_GRACE_MS,
  });
  try {
    for (const user of opts.users) await addUser(user.username, user.password);
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}
