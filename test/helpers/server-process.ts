import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { waitFor } from './wait.js';

// They lived here first; other helpers import them from this module.
export { fillTemplate, readFixture } from './fixtures.js';

/** A real XMPP server started by the suite (design §9). */
export interface XmppServer {
  kind: 'prosody' | 'ejabberd';
  /** The server's virtual host; users are `<username>@<domain>`. */
  domain: string;
  c2sPort: number;
  componentPort: number;
  /** The temp dir holding config, data and logs; stop() deletes it unless SWITCHBOARD_KEEP_TEST_DIRS is set. */
  dir: string;
  stop(): Promise<void>;
  /**
   * Stop, then start again on the same ports with the same data (users, rosters). `whileDown`
   * runs between the two (e.g. wait until the gateway has queued what it cannot send).
   * `how: 'kill'` ends it with SIGKILL (a crash: no stream close, no clean shutdown).
   */
  restart(whileDown?: () => Promise<void>, how?: 'stop' | 'kill'): Promise<void>;
  /** Register one more account while the server runs (unique users per test). */
  addUser(username: string, password: string): Promise<void>;
  /** Everything the server logged so far: attach it to assertion failures. */
  logs(): string;
}

export interface ServerUser {
  username: string;
  password: string;
}

export interface ServerComponent {
  domain: string;
  secret: string;
}

export interface XmppServerOptions {
  components: ServerComponent[];
  users: ServerUser[];
  /** The virtual host; default 'localhost'. */
  domain?: string;
  /** Server log level; Prosody defaults to 'debug' (logs every stanza), ejabberd to 'info'. */
  logLevel?: 'debug' | 'info' | 'warn';
  /**
   * Keep messages for offline users (XEP-0160), as both servers do by default; false turns it
   * off, so that a message to an offline user bounces with service-unavailable.
   */
  offlineStorage?: boolean;
  /**
   * ejabberd only: balance each of these component domains over its connections by the
   * sender's bare JID (`domain_balancing`, type bare_source, with this many slots).
   */
  domainBalancing?: Record<string, number>;
}

// Every server child still alive, so a test that forgets stop() (or crashes) leaves nothing behind.
const live = new Set<ChildProcess>();
let hooksInstalled = false;
let orphaned = false;

function killAllNow(): void {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
}

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  // 'exit' handlers must be synchronous: kill() is, waiting is not possible (and not needed).
  process.on('exit', killAllNow);
  // A vitest fork whose parent died (killed runner) lingers and keeps running the remaining
  // tests; its IPC channel closing is the only sign. Take the servers down and refuse new ones.
  if (process.connected) {
    process.once('disconnect', () => {
      orphaned = true;
      killAllNow();
    });
  }
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAllNow();
      // Only re-raise when nobody else handles the signal, so the default action (exit) happens.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
}

/** A spawned server process with its output captured. */
export interface ServerProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<string>;
}

export function spawnServer(command: string, args: string[], options: SpawnOptions): ServerProcess {
  installExitHooks();
  if (orphaned) throw new Error(`not starting ${command}: the test runner that owned this process is gone`);
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve(signal ?? String(code));
    });
    child.once('error', (err) => {
      live.delete(child);
      output += `\nspawn error: ${err.message}`;
      resolve('spawn-error');
    });
  });
  return { child, output: () => output, exited };
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Wait until every port accepts connections, failing fast (with the logs) if the process
 * exits first: a config error should not cost a full timeout.
 */
export async function waitForPorts(
  proc: ServerProcess,
  ports: number[],
  what: string,
  logs: () => string,
  timeoutMs: number,
): Promise<void> {
  let exitedWith: string | undefined;
  void proc.exited.then((how) => (exitedWith = how));
  try {
    await waitFor(
      async () => {
        if (exitedWith !== undefined) throw new Error(`${what} exited (${exitedWith}) during start-up`);
        for (const port of ports) if (!(await portOpen(port))) return false;
        return true;
      },
      `${what} to listen on ports ${ports.join(', ')}`,
      timeoutMs,
    );
  } catch (err) {
    proc.child.kill('SIGKILL');
    await proc.exited;
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(`${message}\n--- ${what} logs ---\n${logs()}`);
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has really exited. */
export async function stopProcess(proc: ServerProcess, graceMs: number): Promise<void> {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  proc.child.kill('SIGTERM');
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), graceMs);
  await proc.exited;
  clearTimeout(timer);
}

/** SIGKILL (a crash); resolves once the process has really exited. */
export async function killProcess(proc: ServerProcess): Promise<void> {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  proc.child.kill('SIGKILL');
  await proc.exited;
}

/** Run a command to completion; rejects with its output when it fails. */
export async function runCommand(command: string, args: string[], options: SpawnOptions): Promise<string> {
  const proc = spawnServer(command, args, options);
  const how = await proc.exited;
  if (how !== '0') throw new Error(`${command} ${args.join(' ')} failed (${how}):\n${proc.output()}`);
  return proc.output();
}

export interface ManagedServerParams {
  kind: XmppServer['kind'];
  domain: string;
  c2sPort: number;
  componentPort: number;
  dir: string;
  /** The server's own log file, read by logs(). */
  logFile: string;
  /** Spawn the server process (called by start and restart). */
  launch(): ServerProcess;
  addUser(username: string, password: string): Promise<void>;
  startTimeoutMs: number;
  stopGraceMs: number;
}

/**
 * The XmppServer lifecycle shared by Prosody and ejabberd: start, restart on the same ports
 * and data, logs, and stop() that also deletes the temp dir (set SWITCHBOARD_KEEP_TEST_DIRS=1
 * to keep it for a post-mortem; logs() keeps working after stop either way).
 */
export async function startManagedServer(params: ManagedServerParams): Promise<XmppServer> {
  let proc: ServerProcess | undefined;
  let finalLogs: string | undefined;
  const logs = (): string => {
    if (finalLogs !== undefined) return finalLogs;
    let file = '';
    try {
      file = readFileSync(params.logFile, 'utf8');
    } catch {
      // not written yet
    }
    return `${file}${proc ? `\n--- stdout/stderr ---\n${proc.output()}` : ''}`;
  };
  const start = async (): Promise<void> => {
    proc = params.launch();
    await waitForPorts(proc, [params.c2sPort, params.componentPort], params.kind, logs, params.startTimeoutMs);
  };
  const stopOnly = async (): Promise<void> => {
    if (proc) await stopProcess(proc, params.stopGraceMs);
  };

  await start();
  return {
    kind: params.kind,
    domain: params.domain,
    c2sPort: params.c2sPort,
    componentPort: params.componentPort,
    dir: params.dir,
    stop: async () => {
      if (finalLogs !== undefined) return;
      await stopOnly();
      finalLogs = logs();
      if (process.env['SWITCHBOARD_KEEP_TEST_DIRS'] === undefined) rmSync(params.dir, { recursive: true, force: true });
    },
    restart: async (whileDown?: () => Promise<void>, how: 'stop' | 'kill' = 'stop') => {
      if (finalLogs !== undefined) throw new Error(`${params.kind} was stopped; start a new one instead`);
      if (how === 'kill' && proc) await killProcess(proc);
      else await stopOnly();
      await whileDown?.();
      await start();
    },
    addUser: params.addUser,
    logs,
  };
}
