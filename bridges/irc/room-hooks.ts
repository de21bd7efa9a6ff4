/**
 * The Bridge's work about the user's presence and persistent rooms: XMPP presence → IRC AWAY on
 * every connection of the user (RFC 2812 §4.1), and the rejoin of persistent channels at gateway
 * start. (Self-ping and muc#roominfo are the core's: ctx.rooms knows who is in each room.)
 */
import type { Logger } from 'pino';
import type { UserPresence } from '../../src/core/bridge.js';
import type { UserJid } from '../../src/core/model.js';
import { defaultNick } from './actions.js';
import type { ChannelSettingsStore } from './channel-settings.js';
import { awayLine } from './presence.js';
import type { IrcSession } from './session.js';

/** AWAY (or back) on each connection; remembered and applied again after a reconnection. */
export async function applyAway(sessions: IrcSession[], presence: UserPresence, log: Logger): Promise<void> {
  if (!presence.available) return; // the last resource went offline: nothing to say until one is back
  const text = awayLine(presence);
  const sent: Array<Promise<void>> = [];
  for (const s of sessions) {
    const sending = s.setAway(text);
    if (sending) sent.push(sending.catch((err: unknown) => log.debug({ err }, 'AWAY not sent')));
  }
  await Promise.all(sent);
}

/** In the background: connections are rate-limited per network (ConnectLimiter, connect-limiter.ts). */
export function rejoinPersistentChannels(
  channels: ChannelSettingsStore,
  sessionFor: (user: UserJid, network: string) => IrcSession,
  joinTimeoutMs: number,
  log: Logger,
): void {
  for (const p of channels.persistentChannels()) {
    let s: IrcSession;
    try {
      s = sessionFor(p.user, p.network);
    } catch (err) {
      log.warn({ event: 'persistent-rejoin-skipped', err }, 'persistent channel not rejoined');
      continue;
    }
    const nick = s.deps.settings().nick ?? p.nick ?? defaultNick(p.user);
    s.requests.membership.rejoinPersistent(p.channel, p.localpart, nick, joinTimeoutMs).catch((err: unknown) =>
      log.warn({ event: 'persistent-rejoin-failed', channel: p.channel, err: (err as Error).message }, 'persistent channel rejoin failed'),
    );
  }
}
