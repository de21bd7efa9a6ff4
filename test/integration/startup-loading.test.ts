/**
 * Issue 15: what a gateway loads at start-up, and the bench-only memory probe. The built gateway
 * (`npm run build` first) against a real Prosody; the IRC bridge needs no IRC server until a
 * user joins, so none is started.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { startGatewayDaemon, type GatewayDaemon } from '../helpers/gateway-daemon.js';
import { loadedModules, moduleLogging } from '../helpers/module-log.js';
import { freePort } from '../helpers/ports.js';
import { startProsody, type XmppServer } from '../helpers/prosody.js';

const SECRET = 'startup-secret';
let server: XmppServer;
const cleanups: Array<() => Promise<void> | void> = [];

beforeAll(async () => {
  server = await startProsody({
    components: [
      { domain: 'irc.localhost', secret: SECRET },
      { domain: 'irc2.localhost', secret: SECRET },
    ],
    users: [],
    logLevel: 'warn',
  });
}, 60_000);
afterAll(() => server?.stop());
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function ircOnlyGateway(nodeArgs: string[], env: Record<string, string>, domain = 'irc.localhost'): Promise<GatewayDaemon> {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-startup-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const gw = await startGatewayDaemon({
    dir,
    // Generous: on a loaded machine a start took 16 s.
    startTimeoutMs: 60_000,
    nodeArgs,
    env: { ...process.env, ...env },
    config: {
      xmpp: { host: '127.0.0.1', port: server.componentPort },
      store: { path: join(dir, 'switchboard.sqlite') },
      http: { host: '127.0.0.1', port: await freePort() },
      log: { level: 'warn' },
      bridges: {
        irc: {
          domain,
          component_secret: SECRET,
          options: { networks: { none: { servers: [{ host: '127.0.0.1', port: await freePort(), tls: false }] } } },
        },
      },
    },
  });
  cleanups.push(() => gw.daemon.stop(10_000));
  return gw;
}

describe('start-up loading', () => {
  it('a gateway on SQLite with only the IRC bridge loads neither the PostgreSQL driver nor the other bridges', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-modlog-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'modules.txt');
    const logging = moduleLogging(file);
    await ircOnlyGateway(logging.nodeArgs, logging.env);
    // Healthy: the config (and so the bridge registry) is loaded and every component is online.
    const { packages, own } = loadedModules(file);
    expect(own).toContain('bridges/irc/index.js');
    expect(packages).toContain('irc-framework');
    expect(packages).not.toContain('pg');
    expect(own.filter((f) => f.startsWith('src/core/postgres/') || f.startsWith('src/failover/'))).toEqual([]);
    for (const other of ['twilio', 'nodemailer', 'mailparser', 'smtp-server', 'mailauth', 'html-to-text', 'libphonenumber-js'])
      expect(packages).not.toContain(other);
    expect(own.filter((f) => /^bridges\/(sms|email|echo)\//.test(f))).toEqual([]);
    expect(own).not.toContain('src/bench-probe.js');
  }, 150_000);

  it('the bench probe answers the heap after a forced GC, and asks for --expose-gc without it', async () => {
    const withGc = await freePort();
    await ircOnlyGateway(['--expose-gc'], { SWITCHBOARD_BENCH_PROBE: String(withGc) });
    const res = await fetch(`http://127.0.0.1:${withGc}/memory`);
    expect(res.status).toBe(200);
    const memory = (await res.json()) as Record<string, number>;
    expect(memory['heap_used']).toBeGreaterThan(1024 * 1024);
    expect(memory['rss']).toBeGreaterThan(memory['heap_used']!);
    expect((await fetch(`http://127.0.0.1:${withGc}/other`)).status).toBe(404);

    const noGc = await freePort();
    await ircOnlyGateway([], { SWITCHBOARD_BENCH_PROBE: String(noGc) }, 'irc2.localhost');
    const refused = await fetch(`http://127.0.0.1:${noGc}/memory`);
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { error: string }).error).toMatch(/--expose-gc/);
  }, 150_000);
});
