/**
 * What an IRC connection registers with: the user's own settings (ad-hoc `configure`) over the
 * network's defaults; `ident` is the user's identd answer (user-ident.ts), `{ident}` in the username.
 */
import type { IrcConfig, NetworkConfig } from './config.js';
import type { ConnectParams, ServerEndpoint } from './client/connection.js';
import type { UserNetworkSettings } from './settings.js';
import { userCloak } from './user-ident.js';

export function connectParams(
  net: NetworkConfig,
  server: ServerEndpoint,
  nick: string,
  mine: UserNetworkSettings,
  bounds: IrcConfig['bounds'],
  user: string,
  ident: string,
): ConnectParams {
  return {
    server,
    nick,
    username: mine.username ?? net.username.replace('{nick}', nick).replace('{ident}', ident),
    realname: mine.realname ?? net.realname.replace('{nick}', nick),
    ...(net.password !== undefined ? { password: net.password } : {}),
    sasl: mine.saslPassword ? { ...net.sasl, mechanism: net.sasl.mechanism === 'none' ? 'plain' : net.sasl.mechanism, password: mine.saslPassword } : net.sasl,
    nickCollision: net.nick_collision,
    encodingFallback: net.encoding_fallback,
    connectTimeoutMs: net.connect_timeout_ms,
    pingIntervalMs: net.ping_interval_ms,
    maxLineBytes: bounds.line_bytes,
    capLsLines: bounds.cap_ls_lines,
    ...(net.webirc ? { webirc: { password: net.webirc.password, gateway: net.webirc.gateway, ...userCloak(user, net.webirc) } } : {}),
  };
}
