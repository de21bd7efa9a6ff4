/**
 * The built gateway (`node dist/src/cli.js --config …`) as a long-running process whose logs go
 * to a file, for the demo and the benchmarks. gateway.ts does the same for tests but keeps the
 * output in memory and finds the CLI relative to the TypeScript sources.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { logTail, startDaemon, type Daemon } from './daemon.js';
import { builtCli } from './repo.js';
import { waitFor } from './wait.js';

export interface GatewayDaemonOptions {
  /** Holds config.yaml and switchboard.log. */
  dir: string;
  /** The whole config file content (core options and `bridges`); http must be enabled. */
  config: Record<string, unknown> & { http: { host: string; port: number; public_url?: string } };
  env?: NodeJS.ProcessEnv;
  pidFile?: string;
  detached?: boolean;
  startTimeoutMs?: number;
  /** Options for node itself, before the script (`--cpu-prof`, `--cpu-prof-dir=…`). */
  nodeArgs?: string[];
  /**
   * Re-parse every stanza sent with a strict XML parser (SWITCHBOARD_XML_AUDIT=1, logged as
   * invalid_xml_out). Off by default here: the benchmarks measure CPU time per message.
   */
  xmlAudit?: boolean;
}

export interface GatewayDaemon {
  daemon: Daemon;
  configFile: string;
  logFile: string;
  healthUrl: string;
  metricsUrl: string;
}

async function healthy(url: string): Promise<boolean> {
  try {
    return (await fetch(url)).status === 200;
  } catch {
    return false; // not listening yet
  }
}

/**
 * The Node flags the gateway is run with in the README, package.json `start`, the Dockerfile and
 * deploy/switchboard.service: a young generation of at most 2 MiB per semi-space instead of 16
 * keeps the memory that bursts leave behind small, for no measurable loss of throughput
 * (bench/irc.ts). Tests and benchmarks run the gateway the same way.
 */
export const GATEWAY_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=2'];

/** Start the gateway and wait until /healthz says every component is online. */
export async function startGatewayDaemon(opts: GatewayDaemonOptions): Promise<GatewayDaemon> {
  const configFile = join(opts.dir, 'config.yaml');
  const logFile = join(opts.dir, 'switchboard.log');
  writeFileSync(configFile, stringify(opts.config), { mode: 0o600 });
  const daemon = startDaemon('switchboard', process.execPath, [...GATEWAY_NODE_FLAGS, ...(opts.nodeArgs ?? []), builtCli(), '--config', configFile], {
    logFile,
    cwd: opts.dir,
    ...(opts.env || opts.xmlAudit ? { env: { ...(opts.env ?? process.env), ...(opts.xmlAudit ? { SWITCHBOARD_XML_AUDIT: '1' } : {}) } } : {}),
    ...(opts.pidFile ? { pidFile: opts.pidFile } : {}),
    ...(opts.detached !== undefined ? { detached: opts.detached } : {}),
  });
  const base = `http://${opts.config.http.host}:${opts.config.http.port}`;
  const healthUrl = `${base}/healthz`;
  try {
    const outcome = await waitFor(
      async () => (!daemon.running() ? ('exited' as const) : (await healthy(healthUrl)) && ('up' as const)),
      `the gateway to report healthy at ${healthUrl}`,
      opts.startTimeoutMs ?? 30_000,
    );
    if (outcome === 'exited') throw new Error(`the gateway exited during start-up (${await daemon.exited})`);
  } catch (err) {
    await daemon.stop(2000);
    throw new Error(`${(err as Error).message}\n--- ${logFile} ---\n${logTail(logFile)}`);
  }
  return { daemon, configFile, logFile, healthUrl, metricsUrl: `${base}/metrics` };
}
