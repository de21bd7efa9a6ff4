/**
 * IRC → XMPP for IRCv3 client tags and redactions (issue 12): a TAGMSG's `+typing` as a XEP-0085
 * chat state, its `+draft/react` / `+draft/unreact` as the sender's whole XEP-0444 reaction set,
 * a `REDACT` (draft/message-redaction) as a XEP-0424 retraction, and a PRIVMSG's `+draft/reply` as
 * a XEP-0461 reference; each from the room occupant or from `nick%network`, naming the message by
 * the id the XMPP side knows (message-refs.ts). Our own, echoed back (echo-message), are not shown
 * again: the user's resources saw them when they were sent (client-tag-actions.ts).
 */
import type { ReplyRef } from '../../src/core/model.js';
import type { RoomAction } from '../../src/core/room-types.js';
import type { RedactEvent, TagmsgEvent } from './client/events.js';
import { channelConversation, privateRefs } from './conversations.js';
import type { Room } from './room.js';
import type { SessionView } from './session-port.js';
import { TypingIn, typingToChatState } from './typing.js';

/** A session's inbound client tags and redactions, and the senders shown typing (ended when the spec's time passes). */
export class TagEvents {
  private readonly typingIn = new TypingIn();

  constructor(private readonly s: SessionView) {}

  /** Where a tagged line from `nick` to `target` shows: a joined room, or the private chat with `nick`; undefined = nowhere. */
  private placeOf(nick: string, target: string): { room?: Room; conversation: string } | undefined {
    const s = this.s;
    if (s.isSelf(nick)) return undefined;
    const room = s.room(target);
    if (room) return room.joined ? { room, conversation: channelConversation(s.deps.networkName, room.channel) } : undefined;
    return s.isSelf(target) ? { conversation: privateRefs(s.user, s.deps.networkName, nick) } : undefined;
  }

  /** One action of `nick` where it shows: to every resource in the room, or from `nick%network`. */
  private async show(nick: string, place: { room?: Room }, action: RoomAction): Promise<void> {
    const s = this.s;
    if (place.room) return s.xmppRooms.action(s.user, place.room.localpart, nick, action);
    const base = { user: s.user, from: s.contactLocalpart(nick), type: 'chat' as const };
    switch (action.kind) {
      case 'chatstate':
        return s.deliver({ ...base, kind: 'chatstate', state: action.state });
      case 'reaction':
        return s.deliver({ ...base, kind: 'reaction', reactsTo: action.reactsTo, emojis: action.emojis });
      case 'retraction':
        return s.deliver({ ...base, kind: 'retraction', retracts: action.retracts });
    }
  }

  /** Who types where, for the expiry of inbound `+typing` (typing.ts TypingIn). */
  private typingKey(nick: string, place: { conversation: string }): string {
    return `${place.conversation}\n${this.s.fold(nick)}`;
  }

  /** A PRIVMSG/NOTICE from `nick` to `target` ends its typing there (the message is the news). */
  typingEndedByMessage(nick: string, target: string): void {
    if (this.typingIn.size === 0) return;
    const place = this.placeOf(nick, target);
    if (place) this.typingIn.clear(this.typingKey(nick, place));
  }

  async onTagmsg(ev: TagmsgEvent): Promise<void> {
    const s = this.s;
    const nick = ev.source.nick;
    const place = this.placeOf(nick, ev.target);
    if (!place) return;
    if (ev.typing) {
      const key = this.typingKey(nick, place);
      this.typingIn.saw(key, ev.typing, () => void this.show(nick, place, { kind: 'chatstate', state: 'active' }).catch(() => undefined));
      await this.show(nick, place, { kind: 'chatstate', state: typingToChatState(ev.typing) });
    }
    if ((ev.react === undefined && ev.unreact === undefined) || ev.reply === undefined) return;
    // https://ircv3.net/specs/client-tags/react: the TAGMSG's +draft/reply names the message reacted to.
    const reactsTo = s.deps.refs.xmppId(place.conversation, ev.reply);
    const emojis = s.deps.refs.react(place.conversation, reactsTo, s.fold(nick), {
      ...(ev.react !== undefined ? { add: ev.react } : {}),
      ...(ev.unreact !== undefined ? { remove: ev.unreact } : {}),
    });
    await this.show(nick, place, { kind: 'reaction', reactsTo, emojis, ...(ev.msgid ? { stanzaId: ev.msgid } : {}) });
  }

  /** A REDACT (https://ircv3.net/specs/extensions/message-redaction) by the author (or a channel operator). */
  async onRedact(ev: RedactEvent): Promise<void> {
    const s = this.s;
    const nick = ev.source.nick;
    const place = this.placeOf(nick, ev.target);
    if (!place || ev.redacted === '') return;
    const retracts = s.deps.refs.xmppId(place.conversation, ev.redacted);
    // XEP-0424 §6: the archive keeps a tombstone, not the text (before the retraction is shown, so
    // a MAM query that the client makes on seeing it already gets the tombstone).
    s.archive.retract(place.room ? { channel: place.room.channel } : { nick }, retracts, ev.msgid);
    await this.show(nick, place, { kind: 'retraction', retracts, ...(ev.msgid ? { stanzaId: ev.msgid } : {}) });
  }

  /** A PRIVMSG's `+draft/reply` (https://ircv3.net/specs/client-tags/reply) as the XEP-0461 reference. */
  replyRef(conversation: string, reply: string | undefined, room: Room | undefined): ReplyRef | undefined {
    const s = this.s;
    if (reply === undefined) return undefined;
    const id = s.deps.refs.xmppId(conversation, reply);
    const author = s.deps.refs.get(conversation, id)?.nick;
    if (!author || (!room && s.isSelf(author))) return { id };
    return { id, to: room ? `${room.localpart}/${author}` : s.contactLocalpart(author) };
  }

  /** Senders whose typing is timed now (tests). */
  get typingCount(): number {
    return this.typingIn.size;
  }

  /** The connection is gone: nobody is ended later. */
  connectionClosed(): void {
    this.typingIn.clearAll();
  }
}
