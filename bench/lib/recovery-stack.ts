/**
 * The stack of the recovery benchmark (bench/recovery.ts): ngircd and Prosody, a fault proxy in
 * front of each, and two built gateways with the production reconnect settings, each with the IRC
 * bridge: `proxied` reaches both servers through the proxies (outages: the proxy goes down and up),
 * `direct` reaches them without (crashes: through a proxy a dead server looks like one that
 * accepts and drops, which gets the backoff, not the readiness probe). One XMPP user has joined
 * the same number of channels through each, and records when each stanza arrived.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Element } from 'ltx';
import { startFaultProxy, type FaultProxy } from '../../test/helpers/fault-proxy.js';
import { startGatewayDaemon, type GatewayDaemon } from '../../test/helpers/gateway-daemon.js';
import { startNgircd, type Ngircd } from '../../test/helpers/irc-ngircd.js';
import { freePort } from '../../test/helpers/ports.js';
import { startProsody } from '../../test/helpers/prosody.js';
import type { XmppServer } from '../../test/helpers/server-process.js';
import { connectClient, type TestClient } from '../../test/helpers/xmpp-client.js';
import { joinRoom } from './irc-clients.js';

export const SECRET = 'bench-secret';
/** A third component, for the floor: a fresh connection's handshake. */
export const FLOOR_DOMAIN = 'floor.localhost';

export interface BridgedGateway {
  name: 'proxied' | 'direct';
  domain: string;
  gw: GatewayDaemon;
  /** Room JIDs (bare) the user joined through it, and the nick used. */
  rooms: string[];
  nick: string;
  /** When the gateway logged its component online (ms since the epoch), in order. */
  onlineTimes(): number[];
}

export interface RecoveryStack {
  ircd: Ngircd;
  server: XmppServer;
  ircProxy: FaultProxy;
  xmppProxy: FaultProxy;
  proxied: BridgedGateway;
  direct: BridgedGateway;
  user: TestClient;
  /** Every stanza the user received, with its arrival time. */
  seen: Array<{ el: Element; at: number }>;
  stop(): Promise<void>;
}

function onlineTimes(logFile: string): number[] {
  const times: number[] = [];
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    if (!line.includes('"online"')) continue;
    try {
      const rec = JSON.parse(line) as { event?: string; time?: string | number };
      if (rec.event === 'online' && rec.time !== undefined) times.push(typeof rec.time === 'number' ? rec.time : Date.parse(rec.time));
    } catch {
      // a line cut by the read
    }
  }
  return times;
}

async function gateway(root: string, name: BridgedGateway['name'], domain: string, xmppPort: number, ircPort: number, serverDomain: string): Promise<GatewayDaemon> {
  const dir = mkdtempSync(join(root, `${name}-`));
  return startGatewayDaemon({
    dir,
    startTimeoutMs: 60_000,
    config: {
      // The reconnect settings are the defaults a deployment has (config-schema.ts, bridges/irc/config.ts).
      xmpp: { host: '127.0.0.1', port: xmppPort },
      store: { path: join(dir, 'switchboard.sqlite') },
      http: { host: '127.0.0.1', port: await freePort() },
      log: { level: 'info' },
      access: { domains: [serverDomain] },
      bridges: {
        irc: { domain, component_secret: SECRET, options: { networks: { bench: { servers: [{ host: '127.0.0.1', port: ircPort, tls: false }] } } } },
      },
    },
  });
}

export async function startRecoveryStack(root: string, channels: number): Promise<RecoveryStack> {
  const ircd = await startNgircd();
  const server = await startProsody({
    components: ['irc.localhost', 'ircd.localhost', FLOOR_DOMAIN].map((domain) => ({ domain, secret: SECRET })),
    users: [{ username: 'alice', password: 'pw-alice' }],
    logLevel: 'warn',
  });
  const ircProxy = await startFaultProxy({ port: ircd.port });
  const xmppProxy = await startFaultProxy({ port: server.componentPort });
  const gws: BridgedGateway[] = [];
  for (const [name, domain, xmppPort, ircPort] of [
    ['proxied', 'irc.localhost', xmppProxy.port, ircProxy.port],
    ['direct', 'ircd.localhost', server.componentPort, ircd.port],
  ] as const) {
    const gw = await gateway(root, name, domain, xmppPort, ircPort, server.domain);
    const rooms = Array.from({ length: channels }, (_, i) => `#${name}${i}%bench@${domain}`);
    gws.push({ name, domain, gw, rooms, nick: name === 'proxied' ? 'AliceP' : 'AliceD', onlineTimes: () => onlineTimes(gw.logFile) });
  }
  const user = await connectClient(server, 'alice', 'pw-alice', 'bench');
  const seen: RecoveryStack['seen'] = [];
  user.xmpp.on('stanza', (el: Element) => seen.push({ el, at: Date.now() }));
  for (const g of gws) for (const room of g.rooms) await joinRoom(user, room, g.nick);
  const [proxied, direct] = gws as [BridgedGateway, BridgedGateway];
  return {
    ircd,
    server,
    ircProxy,
    xmppProxy,
    proxied,
    direct,
    user,
    seen,
    async stop() {
      await user.stop().catch(() => undefined);
      for (const g of gws) await g.gw.daemon.stop(5000);
      await xmppProxy.close();
      await ircProxy.close();
      await server.stop();
      await ircd.stop();
    },
  };
}
