/**
 * The sharded-mode stack of the IRC takeover tests (issue 14, design.md §5a): a real ejabberd
 * balancing an echo and an IRC component domain over `slots` slots, ngircd with a native watcher
 * in the channel, one PostgreSQL, and `users` accounts. The tests start the gateway processes
 * (`gatewayOptions(url)`, pushed to `gateways`: killed after each test) and connect the users
 * (`clients`: kept for the file). Registers its own hooks.
 */
import type { Element } from 'ltx';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { startEjabberd } from './ejabberd.js';
import type { GatewayOptions, RunningGateway } from './gateway.js';
import { connectNativeIrc, type NativeIrcUser } from './irc-native.js';
import { startNgircd, type Ngircd } from './irc-ngircd.js';
import { startPostgres, type PostgresServer } from './postgres.js';
import type { XmppServer } from './server-process.js';
import type { TestClient } from './xmpp-client.js';

export const MUC = 'http://jabber.org/protocol/muc';
const MUC_USER = 'http://jabber.org/protocol/muc#user';
const SECRET = 'shard-secret';

/** The body of a message that is not an error, else null. */
export const body = (el: Element) => (el.is('message') && el.attrs.type !== 'error' ? el.getChildText('body') : null);
/** The MUC status codes of a presence. */
export const codes = (el: Element): number[] =>
  el
    .getChild('x', MUC_USER)
    ?.getChildren('status')
    .map((s) => Number(s.attrs.code)) ?? [];

export interface IrcShardOptions {
  /** Names the domains (echo.<tag>.localhost, irc.<tag>.localhost) and the channel (#<tag>). */
  tag: string;
  /** Account names are `<prefix>0` … */
  prefix: string;
  users: number;
  slots: number;
  /** The echo bridge's delay: long enough that echo items are in flight at a kill. */
  echoDelayMs: number;
  watcherNick: string;
}

export interface IrcShardStack {
  readonly echo: string;
  readonly irc: string;
  readonly channel: string;
  /** The channel's room JID on the IRC component. */
  readonly roomJid: string;
  readonly names: string[];
  readonly clients: Map<string, TestClient>;
  readonly gateways: RunningGateway[];
  readonly postgres: PostgresServer;
  readonly ircd: Ngircd;
  readonly server: XmppServer;
  readonly watcher: NativeIrcUser;
  /** A sharded gateway on the database at `url`. */
  gatewayOptions(url: string): GatewayOptions;
}

export function useIrcShardStack(o: IrcShardOptions): IrcShardStack {
  const echo = `echo.${o.tag}.localhost`;
  const irc = `irc.${o.tag}.localhost`;
  const channel = `#${o.tag}`;
  const names = Array.from({ length: o.users }, (_, i) => `${o.prefix}${i}`);
  const clients = new Map<string, TestClient>();
  const gateways: RunningGateway[] = [];
  let postgres: PostgresServer | undefined;
  let ircd: Ngircd | undefined;
  let server: XmppServer | undefined;
  let watcher: NativeIrcUser | undefined;

  beforeAll(async () => {
    postgres = await startPostgres({ fsync: false });
    ircd = await startNgircd();
    server = await startEjabberd({
      components: [
        { domain: echo, secret: SECRET },
        { domain: irc, secret: SECRET },
      ],
      users: names.map((username) => ({ username, password: `pw-${username}` })),
      domainBalancing: { [echo]: o.slots, [irc]: o.slots },
    });
    watcher = await connectNativeIrc(ircd.port, o.watcherNick);
    watcher.client.join(channel);
    await watcher.expect('join', (e) => e.nick === o.watcherNick);
  }, 120_000);
  afterEach(async () => {
    await Promise.all(gateways.splice(0).map((gw) => gw.kill()));
  });
  afterAll(async () => {
    await Promise.all([...clients.values()].map((c) => c.stop()));
    await watcher?.quit();
    await server?.stop();
    await ircd?.stop();
    await postgres?.stop();
  });

  return {
    echo,
    irc,
    channel,
    roomJid: `${channel}%test@${irc}`,
    names,
    clients,
    gateways,
    get postgres() {
      return postgres!;
    },
    get ircd() {
      return ircd!;
    },
    get server() {
      return server!;
    },
    get watcher() {
      return watcher!;
    },
    gatewayOptions: (url) => ({
      xmppPort: server!.componentPort,
      access: { domains: [server!.domain] },
      bridges: {
        echo: { domain: echo, component_secret: SECRET, options: { delay_ms: o.echoDelayMs } },
        irc: { domain: irc, component_secret: SECRET, options: { networks: { test: { servers: [{ host: '127.0.0.1', port: ircd!.port, tls: false }] } } } },
      },
      extra: { store: { url, lease: { ttl_ms: 3000, heartbeat_ms: 300 }, cluster: { mode: 'shard', slots: o.slots } }, log: { level: 'info' } },
    }),
  };
}
