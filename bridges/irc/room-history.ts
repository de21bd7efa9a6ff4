/**
 * A session's use of the archive: recording the channel messages its connection sees (also while
 * no resource is in a persistent channel) and the private messages both ways, with their XEP-0461
 * references; turning a retracted one into a XEP-0424 tombstone; and the join history sent after
 * the occupants and before the subject (XEP-0045 §7.2.15), with XEP-0203 delay stamps.
 */
import type { ArchiveEntry } from '../../src/core/archive-query.js';
import type { BridgeContext } from '../../src/core/bridge.js';
import type { HistoryRequest, ReplyRef, UserJid } from '../../src/core/model.js';
import type { HistoryItem } from '../../src/core/room-types.js';
import { channelConversation, privateConversation } from './conversations.js';
import type { Room } from './room.js';
import type { SessionDeps } from './session-deps.js';

/** What the bridge archives of one message. */
export interface RecordedMessage {
  id: string;
  nick: string;
  body: string;
  stamp?: string;
  replyTo?: ReplyRef;
}

/** Where an archived message is: a channel, or the private conversation with a nick. */
export type ArchivePlace = { channel: string } | { nick: string };

/** One user's archive on one network, as the session reads and writes it. */
export class SessionArchive {
  private readonly archive: BridgeContext['archive'];

  constructor(
    private readonly user: UserJid,
    private readonly deps: Pick<SessionDeps, 'ctx' | 'networkName' | 'config'>,
  ) {
    this.archive = deps.ctx.archive;
  }

  private conversation(where: ArchivePlace): string {
    const network = this.deps.networkName;
    return 'channel' in where ? channelConversation(network, where.channel) : privateConversation(network, where.nick);
  }

  /** A channel message, unless the user's history settings of the channel say not to record it (the core's). */
  recordMessage(room: Room, entry: RecordedMessage): void {
    this.archive.append(this.user, this.conversation({ channel: room.channel }), entry, { room: true });
  }

  /** A private message (either way) in the user's archive of the conversation with `nick`. */
  recordPrivate(nick: string, entry: RecordedMessage & { outgoing?: boolean; originId?: string }): void {
    if (!this.deps.config.archive_private) return;
    this.archive.append(this.user, this.conversation({ nick }), entry);
  }

  /** Whether the archive of the channel or conversation already holds `id` (a replayed message). */
  has(where: ArchivePlace, id: string): boolean {
    return this.archive.has(this.user, this.conversation(where), id);
  }

  /** The last `max` archived messages of the channel or conversation, oldest first. */
  latest(where: ArchivePlace, max: number): ArchiveEntry[] {
    return this.archive.history(this.user, this.conversation(where), max, undefined);
  }

  /**
   * XEP-0424 §6: a message retracted on IRC (an inbound REDACT, or the user's own that the server
   * accepted) is a tombstone in the user's archive of the channel, or of the private conversation
   * with `nick`. `id`: the id the XMPP side knows it by; `retractionId`: the retraction's stanza-id.
   */
  retract(where: ArchivePlace, id: string, retractionId?: string): void {
    this.archive.retract(this.user, this.conversation(where), id, retractionId !== undefined ? { id: retractionId } : {});
  }

  /** The join history (XEP-0045 §7.2.15) the resource asked for and the user's settings allow, oldest first. */
  historyOf(room: Room, req: HistoryRequest | undefined): HistoryItem[] {
    const entries = this.archive.joinHistory(this.user, this.conversation({ channel: room.channel }), req);
    return entries.map((e) => ({
      nick: e.nick,
      body: e.body,
      stanzaId: e.id,
      stamp: e.stamp,
      ...(e.replyTo ? { replyTo: e.replyTo } : {}),
      ...(e.retracted ? { retracted: e.retracted } : {}),
    }));
  }
}
