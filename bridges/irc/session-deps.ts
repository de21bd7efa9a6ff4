/** What an IRC session is given by the session registry (sessions.ts): config, shared network state, callbacks. */
import type { BridgeContext } from '../../src/core/bridge.js';
import type { ChannelSettingsStore } from './channel-settings.js';
import type { IrcConfig, NetworkConfig } from './config.js';
import type { ConnectLimiter } from './connect-limiter.js';
import type { IrcConnection, ServerEndpoint } from './client/connection.js';
import type { MessageRefs } from './message-refs.js';
import type { IrcMetrics } from './metrics.js';
import type { RosterRegistry } from './roster.js';
import type { ServerProbes } from './server-probes.js';
import type { UserNetworkSettings } from './settings.js';

export interface SessionDeps {
  ctx: BridgeContext;
  config: IrcConfig;
  networkName: string;
  net: NetworkConfig;
  limiter: ConnectLimiter;
  /** Readiness probes of the servers, shared by all sessions (a refused reconnect waits on one). */
  probes: ServerProbes;
  /** The network part as the user wrote it (replies come from it). */
  networkAddr: string;
  fixed: boolean;
  /** The session ended for good (QUIT done, or gave up); the adapter forgets it. */
  onEnded(): void;
  /** A connection registered: its server's chantypes (addressing) and IRCv3 offer (disco features). */
  onRegistered(conn: IrcConnection): void;
  /** The user's own settings for this network (ad-hoc `configure`). */
  settings(): UserNetworkSettings;
  /** A new connection of this user to `server`, with the user's settings, WEBIRC cloak and ident (the identd follows it). */
  openConnection(server: ServerEndpoint, nick: string): IrcConnection;
  channels: ChannelSettingsStore;
  /** The network's shared channel member lists. */
  rosters: RosterRegistry;
  /** The network's XMPP id ⇄ msgid map, shared by its sessions (issue 12). */
  refs: MessageRefs;
  metrics: IrcMetrics;
}
