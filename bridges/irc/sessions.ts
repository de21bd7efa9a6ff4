/**
 * The IRC sessions of every user: one per (XMPP user, network), created on first need within
 * the connection limits, with each network's connect limiter and shared channel member lists.
 */
import type { BridgeContext } from '../../src/core/bridge.js';
import { StanzaError } from '../../src/core/errors.js';
import type { UserJid } from '../../src/core/model.js';
import { ConnectLimiter } from './connect-limiter.js';
import { connectParams } from './connect-params.js';
import { IrcConnection } from './client/connection.js';
import type { ChannelSettingsStore } from './channel-settings.js';
import { findNetwork, type IrcConfig } from './config.js';
import type { IrcMetrics } from './metrics.js';
import { RosterRegistry } from './roster.js';
import { MessageRefs } from './message-refs.js';
import { ServerProbes } from './server-probes.js';
import { StsPolicies } from './sts-policies.js';
import { IdentRegistry } from './ident-registry.js';
import { IdentServer } from './identd.js';
import { IrcSession } from './session.js';
import { userSettings } from './settings.js';
import { userIdent } from './user-ident.js';

/** How long a new need for a network waits for the previous session's QUIT to finish. */
const QUIT_WAIT_MS = 5000;

export interface SessionRegistryDeps {
  ctx: BridgeContext;
  config: IrcConfig;
  channels: ChannelSettingsStore;
  /** A connection registered on `network` (its server's CHANTYPES and IRCv3 offer are known). */
  onRegistered(network: string, conn: IrcConnection): void;
  metrics: IrcMetrics;
}

export class SessionRegistry {
  private readonly sessions = new Map<string, IrcSession>();
  private readonly limiters = new Map<string, ConnectLimiter>();
  private readonly rosters = new Map<string, RosterRegistry>();
  /** Per network: the XMPP id ⇄ msgid map its sessions share (message-refs.ts). */
  private readonly refs = new Map<string, MessageRefs>();
  /** One readiness probe per server endpoint, for every session that waits for it. */
  readonly probes = new ServerProbes();
  /** The live connections the identd answers about (config `identd`). */
  readonly idents = new IdentRegistry();
  private readonly identd: IdentServer | undefined;
  /** STS policies learnt from servers (sts-policies.ts). */
  readonly sts: StsPolicies;

  constructor(private readonly deps: SessionRegistryDeps) {
    const { identd } = deps.config;
    this.sts = new StsPolicies(deps.ctx.kv, () => deps.ctx.clock.now(), deps.ctx.log);
    const onAnswer = (a: { askedBy: string; localPort: number; remotePort: number; ident: string | undefined }) =>
      deps.ctx.log.debug({ event: 'identd_query', ...a, answered: a.ident !== undefined }, 'ident query');
    if (identd.enabled) this.identd = new IdentServer(this.idents, { address: identd.address, port: identd.port, onAnswer });
  }

  /** Start the identd, when enabled (before any connection, so that none is looked up unanswered). */
  async start(): Promise<void> {
    await this.identd?.start();
    if (this.identd) this.deps.ctx.log.info({ event: 'identd_listening', address: this.deps.config.identd.address ?? '*', port: this.identd.port }, 'identd listening');
  }

  async stop(): Promise<void> {
    await this.identd?.stop();
  }

  all(): IrcSession[] {
    return [...this.sessions.values()];
  }

  /** Sessions of a user (hooks, tests and admin views). */
  of(user: UserJid): IrcSession[] {
    return this.all().filter((s) => s.user === user);
  }

  /** The session of a user on a configured network, if any. */
  find(user: UserJid, network: string): IrcSession | undefined {
    const found = findNetwork(this.deps.config, network);
    return found && this.sessions.get(`${user}\n${found.name}`);
  }

  /**
   * Member entries held in all shared channel lists (one list per network and channel, whatever
   * the number of bridged users in it): what the memory of member lists grows with.
   */
  memberEntries(): number {
    let n = 0;
    for (const registry of this.rosters.values()) n += registry.entries();
    return n;
  }

  /** A session that is QUITting still holds its nick: wait (bounded) until it is gone. */
  async closing(user: UserJid, network: string): Promise<void> {
    const key = `${user}\n${findNetwork(this.deps.config, network)?.name ?? network}`;
    const s = this.sessions.get(key);
    if (!s?.closing) return;
    await Promise.race([s.ended, new Promise((r) => setTimeout(r, QUIT_WAIT_MS))]);
    if (this.sessions.get(key) === s) this.sessions.delete(key);
  }

  /** The user's session on `network` (as the user wrote it); `create` opens one within the limits. */
  get(user: UserJid, network: string, create: boolean): IrcSession {
    const { ctx, config } = this.deps;
    const found = findNetwork(config, network);
    if (!found) throw new StanzaError('item-not-found', `No IRC network called ${network} is configured here.`);
    const key = `${user}\n${found.name}`;
    const existing = this.sessions.get(key);
    if (existing) return existing;
    if (!create) throw new StanzaError('not-acceptable', 'You are not connected to this IRC network.');
    const { limits } = config;
    if (this.sessions.size >= limits.connections_total) throw new StanzaError('resource-constraint', 'The gateway holds as many IRC connections as it may.');
    if (this.of(user).length >= limits.connections_per_user) throw new StanzaError('resource-constraint', `You may hold at most ${limits.connections_per_user} IRC connections.`);
    let limiter = this.limiters.get(found.name);
    if (!limiter) this.limiters.set(found.name, (limiter = new ConnectLimiter(found.net.max_concurrent_connects)));
    let rosters = this.rosters.get(found.name);
    if (!rosters) this.rosters.set(found.name, (rosters = new RosterRegistry(config.bounds.channel_members)));
    let refs = this.refs.get(found.name);
    if (!refs) this.refs.set(found.name, (refs = new MessageRefs(config.bounds.message_refs)));
    const session = new IrcSession(user, {
      ctx,
      config,
      networkName: found.name,
      net: found.net,
      limiter,
      probes: this.probes,
      networkAddr: network,
      fixed: config.fixed_network !== undefined,
      onEnded: () => {
        if (this.sessions.get(key) === session) this.sessions.delete(key);
      },
      onRegistered: (conn) => this.deps.onRegistered(found.name, conn),
      settings: () => userSettings(ctx.kv, ctx.secrets, ctx.log, user, found.name),
      openConnection: (server, nick) => {
        const ident = userIdent(user, config.identd.ident);
        const mine = userSettings(ctx.kv, ctx.secrets, ctx.log, user, found.name);
        const conn = new IrcConnection(connectParams(found.net, this.sts.endpoint(server), nick, mine, config.bounds, user, ident));
        this.sts.follow(conn);
        session.requests.nickRegain.afterRegistration(conn, nick);
        if (this.identd) this.idents.track(conn, ident);
        return conn;
      },
      channels: this.deps.channels,
      rosters,
      refs,
      metrics: this.deps.metrics,
    });
    this.sessions.set(key, session);
    return session;
  }
}
