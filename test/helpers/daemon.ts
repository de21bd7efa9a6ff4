/**
 * Long-running child processes for the demo and the benchmarks, with their output appended to
 * a log file instead of kept in memory (server-process.ts keeps it in memory, which is right
 * for a test but grows without bound in a demo left running for days).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { portOpen } from './server-process.js';
import { sleep, waitFor } from './wait.js';

export interface Daemon {
  name: string;
  pid: number;
  child: ChildProcess;
  logFile: string;
  /** Resolves with the exit code or signal name once the process has exited. */
  exited: Promise<string>;
  running(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

export interface DaemonOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  logFile: string;
  /** Written with the pid while it runs, so a later run can clean up after a crash (killStale). */
  pidFile?: string;
  /**
   * Own process group: Ctrl-C in the terminal then reaches only the parent, which stops the
   * children in order (gateway before the XMPP server) instead of all of them at once.
   */
  detached?: boolean;
}

export function startDaemon(name: string, command: string, args: string[], opts: DaemonOptions): Daemon {
  const fd = openSync(opts.logFile, 'a');
  // Spawned directly (no shell) so that pid is the process itself: the benchmarks read its
  // /proc/<pid>/stat and VmRSS.
  const child = spawn(command, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', fd, fd], detached: opts.detached ?? false });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`could not start ${name} (${command})`);
  const pid = child.pid;
  if (opts.pidFile) writeFileSync(opts.pidFile, `${pid}\n`);
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => {
      if (opts.pidFile) rmSync(opts.pidFile, { force: true });
      resolve(signal ?? String(code));
    });
    child.once('error', () => resolve('spawn-error'));
  });
  const running = () => child.exitCode === null && child.signalCode === null;
  // A parent that exits (even on an exception) must not leave a detached child behind.
  process.once('exit', () => {
    if (running()) child.kill('SIGKILL');
  });
  return {
    name,
    pid,
    child,
    logFile: opts.logFile,
    exited,
    running,
    async stop(graceMs = 10_000) {
      if (!running()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The last `lines` lines of a log file, for error messages. */
export function logTail(file: string, lines = 30): string {
  if (!existsSync(file)) return '(no log)';
  return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
}

/**
 * Stop the process named in `pidFile` if an earlier run crashed and left it running. Only a
 * process whose command line contains `marker` (our own config path) is touched: after a reboot
 * the pid may belong to something else.
 */
export async function killStale(pidFile: string, marker: string): Promise<void> {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  rmSync(pidFile, { force: true });
  if (!Number.isInteger(pid) || pid <= 0) return;
  let cmdline = '';
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return; // gone already
  }
  if (!cmdline.includes(marker)) return;
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 100 && existsSync(`/proc/${pid}`); i++) await sleep(50);
  if (existsSync(`/proc/${pid}`)) process.kill(pid, 'SIGKILL');
}

/** Wait until every port accepts connections; fail at once (with the log) if the daemon exits. */
export async function waitForListening(daemon: Daemon, ports: number[], timeoutMs = 15_000): Promise<void> {
  try {
    // waitFor treats a thrown error as "not yet", so an exit is returned, not thrown.
    const outcome = await waitFor(
      async () => {
        if (!daemon.running()) return 'exited' as const;
        for (const port of ports) if (!(await portOpen(port))) return false;
        return 'up' as const;
      },
      `${daemon.name} to listen on ${ports.join(', ')}`,
      timeoutMs,
    );
    if (outcome === 'exited') throw new Error(`${daemon.name} exited during start-up`);
  } catch (err) {
    await daemon.stop(1000);
    throw new Error(`${(err as Error).message}\n--- ${daemon.logFile} ---\n${logTail(daemon.logFile)}`);
  }
}
