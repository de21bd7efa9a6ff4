/**
 * A session's use of the archive: recording the channel messages its connection sees (also while
 * no resource is in a persistent channel) and the private messages both ways, with their XEP-0461
 * references; turning a retracted one into a XEP-0424 tombstone; and the join history sent after
 * the occupants and before the subject (XEP-0045 §7.2.15), with XEP-0203 delay stamps.
 */
import type { HistoryRequest, ReplyRef } from '../../src/core/model.js';
import type { HistoryItem } from '../../src/core/room-types.js';
import { channelConversation, privateConversation } from './conversations.js';
import type { Room } from './room.js';
import type { IrcSession } from './session.js';

/** What the bridge archives of one message. */
export interface RecordedMessage {
  id: string;
  nick: string;
  body: string;
  stamp?: string;
  replyTo?: ReplyRef;
}

/** A channel message, unless the user's history settings of the channel say not to record it (the core's). */
export function recordMessage(s: IrcSession, room: Room, entry: RecordedMessage): void {
  s.ctx.archive.append(s.user, channelConversation(s.deps.networkName, room.channel), entry, { room: true });
}

/** A private message (either way) in the user's archive of the conversation with `nick`. */
export function recordPrivate(s: IrcSession, nick: string, entry: RecordedMessage & { outgoing?: boolean; originId?: string }): void {
  if (!s.deps.config.archive_private) return;
  s.ctx.archive.append(s.user, privateConversation(s.deps.networkName, nick), entry);
}

/**
 * XEP-0424 §6: a message retracted on IRC (an inbound REDACT, or the user's own that the server
 * accepted) is a tombstone in the user's archive of the channel, or of the private conversation
 * with `nick`. `id`: the id the XMPP side knows it by; `retractionId`: the retraction's stanza-id.
 */
export function retractArchived(s: IrcSession, where: { room: Room } | { nick: string }, id: string, retractionId?: string): void {
  const network = s.deps.networkName;
  const conversation = 'room' in where ? channelConversation(network, where.room.channel) : privateConversation(network, where.nick);
  s.ctx.archive.retract(s.user, conversation, id, retractionId !== undefined ? { id: retractionId } : {});
}

/** The join history (XEP-0045 §7.2.15) the resource asked for and the user's settings allow, oldest first. */
export function historyOf(s: IrcSession, room: Room, req: HistoryRequest | undefined): HistoryItem[] {
  const entries = s.ctx.archive.joinHistory(s.user, channelConversation(s.deps.networkName, room.channel), req);
  return entries.map((e) => ({
    nick: e.nick,
    body: e.body,
    stanzaId: e.id,
    stamp: e.stamp,
    ...(e.replyTo ? { replyTo: e.replyTo } : {}),
    ...(e.retracted ? { retracted: e.retracted } : {}),
  }));
}
