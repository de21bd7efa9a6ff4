/**
 * The gateways under test in the IRC bridge benchmark, behind one interface: Switchboard (the
 * built gateway process, throttle off) and biboumi (throttle_limit -1 through its `configure`
 * ad-hoc command), both components of the bench's Prosody and clients of its ngircd. Each start
 * is a fresh process, so that CPU time and VmRSS are the run's own. Also the room JIDs they
 * bridge, and the common set-up of a run through one bridged channel.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import type { Daemon } from '../../test/helpers/daemon.js';
import { startGatewayDaemon } from '../../test/helpers/gateway-daemon.js';
import type { NativeIrcUser } from '../../test/helpers/irc-native.js';
import type { Ngircd } from '../../test/helpers/irc-ngircd.js';
import { freePort } from '../../test/helpers/ports.js';
import type { XmppServer } from '../../test/helpers/server-process.js';
import type { TestClient } from '../../test/helpers/xmpp-client.js';
import { runFormCommand, startBiboumi, waitComponentOnline } from './biboumi.js';
import { probeStart, type GatewayProbe } from './probe.js';
import { joinIrcChannel, joinRoom } from './irc-clients.js';

export const SB_DOMAIN = 'irc.localhost';
export const BB_DOMAIN = 'biboumi.localhost';
export const SECRET = 'bench-secret';

/** `switchboard-pg`: Switchboard on the PostgreSQL store (issue 14), next to the SQLite one. */
export type GatewayName = 'switchboard' | 'switchboard-pg' | 'biboumi';

export interface RunningGateway {
  pid: number;
  /** Switchboard started with `probe`: its heap after a forced GC, and heap snapshots. */
  probe?: GatewayProbe;
  stop(): Promise<void>;
}

export interface GatewayStartOptions {
  cpuProfDir?: string;
  /** Switchboard only: node --expose-gc and the bench probe (src/bench-probe.ts). */
  probe?: boolean;
  /** Switchboard only: more node flags and environment (the module log of bench/idle.ts). */
  nodeArgs?: string[];
  env?: Record<string, string>;
}

export interface Gateway {
  name: GatewayName;
  domain: string;
  /** The network part of room JIDs. */
  network: string;
  nick: (base: string) => string;
  start(opts?: GatewayStartOptions): Promise<RunningGateway>;
  /** Per-user set-up before the first join (biboumi: server ports, throttle, history). */
  prepare(client: TestClient): Promise<void>;
}

export interface Env {
  server: XmppServer;
  ircd: Ngircd;
  bench: TestClient;
  root: string;
}

/** Starts a built gateway: this checkout's, or another build's (bench/irc-ab.ts). */
export type GatewayStarter = typeof startGatewayDaemon;

/**
 * `record`: the archive on (record_history). With `postgres` (a fresh database's URL per start),
 * the gateway runs on the PostgreSQL store (as the active instance) instead of its SQLite file.
 * `start`: whose build runs (this checkout's by default).
 */
export function switchboard(env: Env, record: boolean, postgres?: () => Promise<string>, start: GatewayStarter = startGatewayDaemon): Gateway {
  return {
    name: postgres ? 'switchboard-pg' : 'switchboard',
    domain: SB_DOMAIN,
    network: 'bench',
    nick: (base) => `S${base}`,
    async start(opts = {}) {
      const dir = mkdtempSync(join(env.root, 'sb-'));
      const probe = opts.probe ? await probeStart() : undefined;
      const nodeArgs = [...(opts.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfDir}`] : []), ...(probe?.nodeArgs ?? []), ...(opts.nodeArgs ?? [])];
      const extraEnv = { ...probe?.env, ...opts.env };
      const gw = await start({
        dir,
        ...(nodeArgs.length ? { nodeArgs } : {}),
        ...(Object.keys(extraEnv).length ? { env: { ...process.env, ...extraEnv } } : {}),
        startTimeoutMs: 60_000,
        config: {
          xmpp: { host: '127.0.0.1', port: env.server.componentPort },
          store: postgres ? { url: await postgres() } : { path: join(dir, 'switchboard.sqlite') },
          http: { host: '127.0.0.1', port: await freePort() },
          log: { level: 'warn' },
          access: { domains: [env.server.domain] },
          bridges: {
            irc: {
              domain: SB_DOMAIN,
              component_secret: SECRET,
              options: {
                networks: {
                  bench: {
                    servers: [{ host: '127.0.0.1', port: env.ircd.port, tls: false }],
                    // Throttle off (lines_per_second 0), and room for the whole burst.
                    throttle: { lines_per_second: 0, max_queue: 1_000_000 },
                    // biboumi opens its connections without such a cap.
                    max_concurrent_connects: 64,
                  },
                },
                record_history: record,
                limits: { connections_total: 100_000 },
              },
            },
          },
        },
      });
      return { pid: gw.daemon.pid, ...(probe ? { probe: probe.probe } : {}), stop: () => gw.daemon.stop(20_000) };
    },
    async prepare() {},
  };
}

/** `record`: the archive on (each user's Record History). */
export function biboumi(env: Env, record: boolean): Gateway {
  const dir = join(env.root, 'biboumi');
  mkdirSync(dir, { recursive: true });
  const prepared = new Set<string>();
  return {
    name: 'biboumi',
    domain: BB_DOMAIN,
    network: '127.0.0.1',
    nick: (base) => `B${base}`,
    async start() {
      const daemon: Daemon = startBiboumi({
        dir,
        domain: BB_DOMAIN,
        secret: SECRET,
        componentPort: env.server.componentPort,
        dbFile: join(dir, 'biboumi.sqlite'),
      });
      await waitComponentOnline(env.bench, BB_DOMAIN, daemon);
      return { pid: daemon.pid, stop: () => daemon.stop(20_000) };
    },
    async prepare(client) {
      if (prepared.has(client.bareJid)) return; // kept in its database across restarts
      // The IRC server is named by host in the JID; its port, and no TLS port, per user.
      await runFormCommand(client, `127.0.0.1@${BB_DOMAIN}`, 'configure', { ports: [String(env.ircd.port)], tls_ports: [], throttle_limit: ['-1'] }, [
        'tls_ports',
      ]);
      if (!record) await runFormCommand(client, BB_DOMAIN, 'configure', { record_history: ['false'] });
      prepared.add(client.bareJid);
    },
  };
}

export const roomOf = (gw: Gateway, channel: string): string => `${channel}%${gw.network}@${gw.domain}`;

export interface BridgedRoomOptions {
  channel: string;
  /** The bench user's nick before the gateway's prefix. */
  nick: string;
  /** Run the gateway under node --cpu-prof, writing here (Switchboard only). */
  cpuProfDir?: string;
}

/**
 * `native` in `channel`, a fresh gateway process, and `env.bench` in the bridged room (seen on
 * IRC); then `fn`, then the gateway stopped and the channel parted, whatever `fn` did.
 */
export async function withBridgedRoom<T>(
  env: Env,
  gw: Gateway,
  native: NativeIrcUser,
  opts: BridgedRoomOptions,
  fn: (running: RunningGateway, room: string) => Promise<T>,
): Promise<T> {
  const { channel } = opts;
  await joinIrcChannel(native, channel);
  const running = await gw.start(opts.cpuProfDir ? { cpuProfDir: opts.cpuProfDir } : {});
  try {
    await gw.prepare(env.bench);
    const room = roomOf(gw, channel);
    const nick = gw.nick(opts.nick);
    await joinRoom(env.bench, room, nick);
    await native.expect('join', (e) => e.nick === nick && String(e.channel).toLowerCase() === channel);
    return await fn(running, room);
  } finally {
    await running.stop();
    native.client.part(channel);
  }
}
