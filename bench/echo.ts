/**
 * Gateway end-to-end benchmark: a real XMPP client sends N chat messages through Prosody to the
 * echo bridge and times each echo, next to the same client's round trip to a plain Prosody
 * user that echoes (the floor without the gateway), in the same run. Prints JSON lines.
 *
 *   npm run build && node dist/bench/echo.js [--n 2000] [--window 100] [--contacts 100] [--synchronous full|normal]
 *
 * Modes: `sequential` (one message in flight: latency), `pipelined` (`--window` in flight to one
 * contact: throughput of one conversation, which the outbox keeps in order) and `spread`
 * (`--window` in flight over `--contacts` contacts: the outbox runs conversations in parallel).
 * The gateway's CPU time per message comes from /proc/<pid>/stat, its memory from
 * VmRSS: above a few thousand messages/s the client and Prosody, not the gateway, fill the cores
 * (design.md §10), so messages/s alone understates the gateway.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startGatewayDaemon, type GatewayDaemon } from '../test/helpers/gateway-daemon.js';
import { freePort } from '../test/helpers/ports.js';
import { startProsody } from '../test/helpers/prosody.js';
import type { XmppServer } from '../test/helpers/server-process.js';
import { connectClient, type TestClient } from '../test/helpers/xmpp-client.js';
import { runLoad } from './lib/load.js';
import { cpuTimeMs, vmRssMiB } from './lib/proc.js';
import { ratio, summarize } from './lib/stats.js';
import { jsonLines } from './lib/output.js';

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '2000' },
    window: { type: 'string', default: '100' },
    warmup: { type: 'string', default: '300' },
    synchronous: { type: 'string', default: 'full' },
    contacts: { type: 'string', default: '100' },
  },
});
const N = Number(args.n);
const WINDOW = Number(args.window);
const WARMUP = Number(args.warmup);
const CONTACTS = Number(args.contacts);
const SYNCHRONOUS = args.synchronous;
if (SYNCHRONOUS !== 'full' && SYNCHRONOUS !== 'normal') throw new Error('--synchronous is full or normal');

const BRIDGE_DOMAIN = 'echo.localhost';
const SECRET = 'bench-secret';
const USERS = { client: { username: 'bench', password: 'pw-bench' }, echoer: { username: 'echoer', password: 'pw-echoer' } };

const print = jsonLines('echo');

interface Echoer {
  pid: number;
  jid: string;
  stop(): Promise<void>;
}

/** The floor's echoing user, in its own process (bench/lib/echoer.ts says why). */
function startEchoer(server: XmppServer): Promise<Echoer> {
  const child = spawn(process.execPath, [join(import.meta.dirname, 'lib', 'echoer.js')], {
    env: {
      ...process.env,
      BENCH_C2S_PORT: String(server.c2sPort),
      BENCH_DOMAIN: server.domain,
      BENCH_USER: USERS.echoer.username,
      BENCH_PASSWORD: USERS.echoer.password,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.once('exit', () => child.kill('SIGKILL'));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const match = /^ready (\S+)$/m.exec(out);
      if (match) resolve({ pid: child.pid!, jid: match[1]!, stop: async () => void (child.kill('SIGTERM'), await exited) });
    });
    void exited.then(() => reject(new Error(`the echoer exited before logging in:\n${out}`)));
  });
}

async function measure(client: TestClient, gateway: GatewayDaemon, echoer: Echoer, mode: string, window: number, contacts = 1): Promise<void> {
  const tag = `${mode}-${Date.now().toString(36)}`;
  const floorCpu0 = cpuTimeMs(echoer.pid);
  const floor = await runLoad(client, echoer.jid, N, window, `${tag}-floor`);
  const floorCpu = cpuTimeMs(echoer.pid) - floorCpu0;

  const pid = gateway.daemon.pid;
  const cpu0 = cpuTimeMs(pid);
  const gw = await runLoad(client, (i) => `c${i % contacts}@${BRIDGE_DOMAIN}`, N, window, `${tag}-gw`);
  const gwCpu = cpuTimeMs(pid) - cpu0;

  const g = summarize(gw.latenciesMs, gw.elapsedMs);
  const f = summarize(floor.latenciesMs, floor.elapsedMs);
  print({
    mode,
    n: N,
    window,
    contacts,
    synchronous: SYNCHRONOUS,
    gateway: g,
    floor: f,
    // Throughput as a share of the floor's; latencies as multiples of the floor's.
    ratio: { msgs_per_s: ratio(g.msgs_per_s, f.msgs_per_s), p50: ratio(g.p50_ms, f.p50_ms), p99: ratio(g.p99_ms, f.p99_ms) },
    gateway_cpu_ms_per_msg: Number((gwCpu / N).toFixed(3)),
    gateway_vmrss_mib: Number(vmRssMiB(pid).toFixed(1)),
    floor_echoer_cpu_ms_per_msg: Number((floorCpu / N).toFixed(3)),
  });
}

async function main(): Promise<void> {
  const cleanups: Array<() => Promise<void>> = [];
  try {
    // Prosody at 'warn': its default 'debug' in the tests logs every stanza, which is Prosody's
    // own cost, not the gateway's. The test config has no mod_limits (it would throttle clients).
    const server = await startProsody({ components: [{ domain: BRIDGE_DOMAIN, secret: SECRET }], users: Object.values(USERS), logLevel: 'warn' });
    cleanups.push(() => server.stop());
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-bench-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const gateway = await startGatewayDaemon({
      dir,
      config: {
        xmpp: { host: '127.0.0.1', port: server.componentPort },
        store: { path: join(dir, 'switchboard.sqlite'), synchronous: SYNCHRONOUS },
        http: { host: '127.0.0.1', port: await freePort() },
        // info logs nothing per message; debug would log every body.
        log: { level: 'info' },
        access: { users: [`${USERS.client.username}@${server.domain}`] },
        bridges: { echo: { domain: BRIDGE_DOMAIN, component_secret: SECRET } },
      },
    });
    cleanups.push(() => gateway.daemon.stop());
    const echoer = await startEchoer(server);
    cleanups.push(() => echoer.stop());
    const client = await connectClient(server, USERS.client.username, USERS.client.password, 'bench');
    cleanups.push(() => client.stop());

    print({ event: 'setup', node: process.version, cpus: cpus().length, loadavg_1m: Number(loadavg()[0]!.toFixed(2)), n: N, window: WINDOW, contacts: CONTACTS, synchronous: SYNCHRONOUS });
    // Warm-up on both paths: JIT, SQLite page cache, Prosody's routing caches.
    await runLoad(client, echoer.jid, WARMUP, 10, 'warmup-floor');
    await runLoad(client, `c0@${BRIDGE_DOMAIN}`, WARMUP, 10, 'warmup-gw');
    // The client's own queue of received stanzas (a test convenience) would only grow.
    client.received.length = 0;

    await measure(client, gateway, echoer, 'sequential', 1);
    client.received.length = 0;
    await measure(client, gateway, echoer, 'pipelined', WINDOW);
    client.received.length = 0;
    await measure(client, gateway, echoer, 'spread', WINDOW, CONTACTS);
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((err: unknown) => console.error(`cleanup: ${(err as Error).message}`));
  }
}

await main();
