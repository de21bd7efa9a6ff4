/** CPU time and memory of another process, from /proc (Linux only). */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100; // the value on every Linux architecture Node runs on
    }
  }
  return ticksPerSecond;
}

/**
 * User + system CPU time the process has used so far, in milliseconds (10 ms resolution);
 * `pid` may also be `PID/task/TID`, for one thread of it.
 */
export function cpuTimeMs(pid: number | string): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) is in parentheses and may contain spaces: count from after it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state), so utime (14) and stime (15) are at 11 and 12.
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / clockTicks();
}

/** Resident memory (VmRSS) in MiB. */
export function vmRssMiB(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) / 1024;
}

/**
 * CPU time (ms) of a process and its children so far: a PostgreSQL postmaster and its backends
 * and background workers. A child that has exited is no longer counted: measure while the
 * connections of interest are open.
 */
export function treeCpuTimeMs(pid: number): number {
  let total = cpuTimeMs(pid);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Field 4 (the parent's pid) is fields[1] after the command name.
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) total += cpuTimeMs(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return total;
}
