/**
 * A session's use of the archive: recording the channel messages its connection sees (also while
 * no resource is in a persistent channel) and the private messages both ways, and the join history sent after the occupants and
 * before the subject (XEP-0045 §7.2.15), with XEP-0203 delay stamps.
 */
import type { HistoryRequest } from '../../src/core/model.js';
import { pmKey } from './archive.js';
import type { Room } from './room.js';
import type { IrcSession } from './session.js';

export function recordMessage(s: IrcSession, room: Room, entry: { id: string; nick: string; body: string; stamp?: string }): void {
  const { archive, channels, networkName } = s.deps;
  if (!channels.effective(s.user, networkName, room.channel).recordHistory) return;
  archive.append(s.user, networkName, room.channel, entry);
}

/** A private message (either way) in the user's archive of the conversation with `nick`. */
export function recordPrivate(s: IrcSession, nick: string, entry: { id: string; nick: string; body: string; stamp?: string; outgoing?: boolean }): void {
  if (!s.deps.config.archive_private) return;
  s.deps.archive.append(s.user, s.deps.networkName, pmKey(nick), entry);
}

export async function sendHistory(s: IrcSession, room: Room, resource: string, req: HistoryRequest | undefined): Promise<void> {
  const { archive, channels, networkName } = s.deps;
  const settings = channels.effective(s.user, networkName, room.channel);
  if (!settings.recordHistory) return;
  for (const e of archive.history(s.user, networkName, room.channel, settings.maxHistoryLength, req)) {
    await s.deliver({ kind: 'message', user: s.user, from: room.localpart, fromResource: e.nick, toResource: resource, type: 'groupchat', body: e.body, stanzaId: e.id, delay: e.stamp });
  }
}
