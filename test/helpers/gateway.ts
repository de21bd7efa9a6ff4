/**
 * Runs the built gateway (`node dist/src/cli.js`) as a real process with a YAML config written
 * to a temp dir, against a real XMPP server. `npm test` builds first.
 */
import { GATEWAY_NODE_FLAGS } from './gateway-daemon.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort } from './ports.js';
import { repoRoot } from './repo.js';
import { waitFor } from './wait.js';
import { watchXmlAudit } from './xml-audit-check.js';

// From the sources (vitest) and from dist/ (the benchmarks) alike.
export const CLI = join(repoRoot(), 'dist', 'src', 'cli.js');

export interface GatewayBridgeConfig {
  domain: string;
  component_secret: string;
  module?: string;
  access?: { users?: string[]; domains?: string[] };
  options?: Record<string, unknown>;
}

export interface GatewayOptions {
  xmppPort: number;
  bridges: Record<string, GatewayBridgeConfig>;
  admins?: string[];
  access?: { users?: string[]; domains?: string[] };
  /** Extra top-level config (merged shallowly: store, outbox, http, log, xmpp…). */
  extra?: Record<string, unknown>;
  env?: Record<string, string>;
  /** Reuse a state dir (store) from an earlier gateway, for restart tests. */
  dir?: string;
  /** Do not wait for the components to be online (for start-up failure tests). */
  noWait?: boolean;
}

export interface RunningGateway {
  dir: string;
  configFile: string;
  httpPort: number;
  process: ChildProcess;
  /** Log lines (JSON objects) printed so far. */
  logs(): Array<Record<string, unknown>>;
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
  /** Graceful stop with SIGTERM; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: no chance to clean up. */
  kill(): Promise<void>;
  waitForLog(pred: (line: Record<string, unknown>) => boolean, message: string, timeoutMs?: number): Promise<Record<string, unknown>>;
}

export function requireBuild(): void {
  if (!existsSync(CLI)) throw new Error(`missing ${CLI}: run \`npm run build\` first (npm test does it)`);
}

export async function startGateway(opts: GatewayOptions): Promise<RunningGateway> {
  requireBuild();
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'switchboard-gw-'));
  const httpPort = await freePort();
  const config = {
    xmpp: { host: '127.0.0.1', port: opts.xmppPort, reconnect: { initial_delay_ms: 200, max_delay_ms: 2000 }, connect_timeout_ms: 20_000 },
    store: { path: join(dir, 'switchboard.sqlite'), synchronous: 'normal' },
    http: { host: '127.0.0.1', port: httpPort },
    outbox: { base_delay_ms: 200, max_delay_ms: 2000 },
    log: { level: 'debug' },
    admins: opts.admins ?? [],
    access: opts.access ?? {},
    bridges: opts.bridges,
    ...opts.extra,
  };
  const configFile = join(dir, 'config.yaml');
  writeFileSync(configFile, stringify(config));
  const child = spawn(process.execPath, [...GATEWAY_NODE_FLAGS, CLI, '--config', configFile], {
    // The strict XML audit of every stanza sent (src/xmpp/xml-audit.ts), checked after each test.
    env: { ...process.env, SWITCHBOARD_XML_AUDIT: '1', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString('utf8')));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString('utf8')));
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  const logs = () =>
    out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => {
        try {
          return JSON.parse(l) as Record<string, unknown>;
        } catch {
          return {};
        }
      });
  const gw: RunningGateway = {
    dir,
    configFile,
    httpPort,
    process: child,
    logs,
    stdout: () => out,
    stderr: () => err,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    waitForLog: (pred, message, timeoutMs = 15_000) => waitFor(() => logs().find(pred), message, timeoutMs),
  };
  watchXmlAudit({ label: `gateway ${configFile}`, logs, finished: () => child.exitCode !== null || child.signalCode !== null });
  process.once('exit', () => child.kill('SIGKILL'));
  if (!opts.noWait) {
    const count = Object.keys(opts.bridges).length;
    await waitFor(
      () => child.exitCode !== null || logs().filter((l) => l.event === 'online').length >= count,
      'gateway components online',
      25_000,
    );
    if (child.exitCode !== null) throw new Error(`gateway exited with ${child.exitCode}:\n${err}\n${out.slice(-3000)}`);
  }
  return gw;
}
