/**
 * XMPP → IRC for what modern clients send besides a body (issue 12), with IRCv3 when the server
 * offers it and the documented fallback otherwise (README, "Replies, reactions, retractions, typing"):
 *
 * - XEP-0461 reply → the `+draft/reply` client tag (https://ircv3.net/specs/client-tags/reply) on
 *   the PRIVMSG; [the text alone, prefixed `nick: ` per `reply_nick_prefix`].
 * - XEP-0444 reactions (the whole set) → one TAGMSG per change, `+draft/react` / `+draft/unreact`
 *   with `+draft/reply` (https://ircv3.net/specs/client-tags/react); [a `/me reacted 👍 to "…"`
 *   line, or feature-not-implemented, per `reaction_fallback`].
 * - XEP-0424 retraction → `REDACT` (https://ircv3.net/specs/extensions/message-redaction) of each
 *   line's msgid; [feature-not-implemented: IRC cannot unsend].
 * - XEP-0085 chat states → `+typing` TAGMSGs, rate-limited (typing.ts); [dropped].
 *
 * In a room the user's resources see their own reaction or retraction as the room reflects it
 * (XEP-0045 §7.4), from their occupant.
 */
import { randomUUID } from 'node:crypto';
import { StanzaError } from '../../src/core/errors.js';
import { FEATURES } from '../../src/core/features.js';
import type { Outbound } from '../../src/core/model.js';
import type { Abortable } from './client/throttle.js';
import { channelConversation, privateRefs } from './conversations.js';
import { canRedact, canSendTag, redact, tagmsg, type Ircv3Support, type OutLine } from './client/ircv3-commands.js';
import { isSafeMiddle } from './client/line.js';
import type { IrcConfig } from './config.js';
import { reactionDiff, type MessageRef } from './message-refs.js';
import type { Room } from './room.js';
import type { OutgoingMessages } from './actions.js';
import type { SessionView } from './session-port.js';
import type { SessionRooms } from './session-rooms.js';

type Ev<K extends Outbound['kind']> = Extract<Outbound, { kind: K }>;

/** Where an event goes on IRC: a channel (its room) or a nick, and its conversation key (conversations.ts). */
export interface TagTarget {
  target: string;
  conversation: string;
  room?: Room;
}

/** Longest reaction sent (an emoji sequence, or a short text some clients allow). */
const MAX_REACTION = 64;
const REDACT_TIMEOUT_MS = 10_000;

/** `"first words…"`: the first 5 words or 40 characters of a message. */
export function quoteStart(text: string): string {
  const plain = text
    .replace(/^\/me /, '')
    .replace(/\s+/g, ' ')
    .trim();
  const words = plain.split(' ').slice(0, 5).join(' ');
  const points = Array.from(words);
  const cut = points.length > 40 ? points.slice(0, 40).join('') : words;
  return `"${cut}${cut.length < plain.length ? '…' : ''}"`;
}

/** The session as the client tag actions see it: also its rooms and its outgoing messages. */
export interface TagActionsSession extends SessionView {
  readonly rooms: SessionRooms;
  readonly outgoing: OutgoingMessages;
}

/** A session's replies, reactions, retractions and chat states to IRC (created with the session, session-requests.ts). */
export class ClientTagActions {
  constructor(private readonly s: TagActionsSession) {}

  /** The IRC msgid of a message the XMPP side names by `id`, when IRC can point at it. */
  private msgidOf(t: TagTarget, id: string): { ref?: MessageRef; msgid?: string } {
    const ref = this.s.deps.refs.get(t.conversation, id);
    if (ref) return ref.msgids[0] !== undefined ? { ref, msgid: ref.msgids[0] } : { ref };
    // Not remembered (older, or before a restart): wherever the server gives msgids, the ids the
    // XMPP side has of IRC messages are those msgids.
    return this.s.conn?.caps.has('message-tags') && isSafeMiddle(id) ? { msgid: id } : {};
  }

  /** What a message with a XEP-0461 reference sends: the tag, or the `nick: ` prefix of the fallback. */
  replyOf(t: TagTarget, ev: Ev<'message'>): { tags: Record<string, string>; prefix: string } {
    const none = { tags: {}, prefix: '' };
    if (!ev.replyTo) return none;
    const { ref, msgid } = this.msgidOf(t, ev.replyTo.id);
    if (msgid !== undefined && canSendTag(this.s.conn, '+draft/reply')) return { tags: { '+draft/reply': msgid }, prefix: '' };
    const mode = this.s.deps.config.reply_nick_prefix;
    if (mode === 'never' || (mode === 'rooms' && !t.room)) return none;
    const to = ev.replyTo.to;
    const nick = ref?.nick || (to?.includes('/') ? to.slice(to.indexOf('/') + 1) : '');
    if (!nick || this.s.isSelf(nick) || ev.body.startsWith(`${nick}:`) || ev.body.startsWith('/me ')) return none;
    return { tags: {}, prefix: `${nick}: ` };
  }

  private write(line: OutLine): Promise<void> {
    return this.s.sendLine(line.command, line.params, line.tags);
  }

  /** The user's own occupant nick in the room, for reflections. */
  private ownNick(room: Room): string {
    return this.s.xmppRooms.nick(this.s.user, room.localpart) ?? this.s.nick;
  }

  /** XEP-0424 → REDACT of every line of the user's own message. */
  async sendRetraction(t: TagTarget, ev: Ev<'retraction'>): Promise<void> {
    if (!canRedact(this.s.conn)) throw new StanzaError('feature-not-implemented', 'IRC cannot unsend a message; it was already sent.');
    const { ref, msgid } = this.msgidOf(t, ev.retracts);
    if (ref && !this.s.isSelf(ref.nick)) throw new StanzaError('forbidden', 'Only your own messages can be retracted.');
    const msgids = ref ? ref.msgids : msgid !== undefined ? [msgid] : [];
    if (msgids.length === 0) throw new StanzaError('item-not-found', 'The IRC server gave this message no id, so it cannot be unsent; it was already sent.');
    for (const m of msgids) {
      const refused = this.awaitRedact(m);
      await this.write(redact(t.target, m));
      await refused;
    }
    const stanzaId = randomUUID();
    // XEP-0424 §6: unsent on IRC, so the archive keeps a tombstone in place of the text.
    this.s.archive.retract(t.room ? { channel: t.room.channel } : { nick: t.target }, ev.retracts, t.room ? stanzaId : ev.id);
    if (t.room) await this.s.xmppRooms.action(this.s.user, t.room.localpart, this.ownNick(t.room), { kind: 'retraction', retracts: ev.retracts, stanzaId });
  }

  /**
   * A FAIL REDACT (standard replies) refuses the redaction; with echo-message the server's echo of
   * the REDACT confirms it. Without echo-message, nothing confirms: the REDACT is taken as done.
   */
  private async awaitRedact(msgid: string): Promise<void> {
    if (!this.s.echoMessage) return;
    await this.s.awaitEvent(
      (e) => {
        if (e.type === 'redact' && e.redacted === msgid && this.s.isSelf(e.source.nick)) return true;
        if (e.type === 'fail' && e.command === 'REDACT') {
          return new StanzaError(
            e.code === 'UNKNOWN_MSGID' ? 'item-not-found' : 'not-allowed',
            `The IRC server refused to unsend it: ${e.description || e.code}`,
          );
        }
        return undefined;
      },
      REDACT_TIMEOUT_MS,
      () => new StanzaError('remote-server-timeout', 'The IRC server did not confirm that the message was unsent.'),
    );
  }

  /** XEP-0444 → one TAGMSG per reaction added or removed; [the fallback line or an error]. */
  async sendReaction(t: TagTarget, ev: Ev<'reaction'>, fallback: (body: string) => Promise<void>): Promise<void> {
    const emojis = [...new Set(ev.emojis)];
    if (emojis.some((e) => e.trim() === '' || Array.from(e).length > MAX_REACTION))
      throw new StanzaError('bad-request', 'A reaction is one emoji or a short text.');
    const { ref, msgid } = this.msgidOf(t, ev.reactsTo);
    const { added, removed } = reactionDiff(this.s.deps.refs.mine(ref, this.s.user), emojis);
    if (msgid !== undefined && canSendTag(this.s.conn, '+draft/react')) {
      for (const e of added) await this.write(tagmsg(t.target, { reply: msgid, react: e }));
      if (canSendTag(this.s.conn, '+draft/unreact')) for (const e of removed) await this.write(tagmsg(t.target, { reply: msgid, unreact: e }));
    } else {
      const config: IrcConfig = this.s.deps.config;
      if (config.reaction_fallback === 'error')
        throw new StanzaError('feature-not-implemented', 'This IRC server does not carry reactions (no IRCv3 message-tags); nothing was sent.');
      const what = ref?.text ? quoteStart(ref.text) : 'a message';
      if (added.length > 0) await fallback(`/me reacted ${added.join(' ')} to ${what}`);
      if (removed.length > 0) await fallback(`/me took back ${removed.join(' ')} from ${what}`);
    }
    this.s.deps.refs.setMine(t.conversation, ev.reactsTo, this.s.user, emojis);
    if (t.room)
      await this.s.xmppRooms.action(this.s.user, t.room.localpart, this.ownNick(t.room), {
        kind: 'reaction',
        reactsTo: ev.reactsTo,
        emojis,
        stanzaId: randomUUID(),
      });
  }

  /** XEP-0085 → `+typing`, at the pace the typing spec allows; dropped where the server does not relay it. */
  async sendChatState(t: TagTarget, ev: Ev<'chatstate'>): Promise<void> {
    if (!this.s.connected || !canSendTag(this.s.conn, '+typing')) return;
    if (t.room && !t.room.joined) return;
    const typing = this.s.typing.next(this.s.fold(t.target), ev.state);
    if (typing) await this.write(tagmsg(t.target, { typing }));
  }

  /** A channel (with its room, when the user is in it) or a nick, as a `TagTarget`. */
  tagTarget(to: { channel: string } | { nick: string }): TagTarget {
    const network = this.s.deps.networkName;
    if ('nick' in to) return { target: to.nick, conversation: privateRefs(this.s.user, network, to.nick) };
    const room = this.s.room(to.channel);
    return { target: to.channel, conversation: channelConversation(network, to.channel), ...(room ? { room } : {}) };
  }

  /** A retraction, reaction or chat state to a channel or a nick (the adapter's `send`). */
  async send(ev: Ev<'retraction'> | Ev<'reaction'> | Ev<'chatstate'>, to: { channel: string } | { nick: string }, attempt?: Abortable): Promise<void> {
    const t = this.tagTarget(to);
    if (ev.kind === 'chatstate') return this.sendChatState(t, ev);
    if ('channel' in to) this.s.rooms.participant(to.channel, ev.resource);
    else await this.s.outgoing.connectForMessage(ev);
    this.s.outgoing.requireConnected();
    if (ev.kind === 'retraction') return this.sendRetraction(t, ev);
    return this.sendReaction(t, ev, (body) => {
      const line = {
        kind: 'message',
        type: ev.type,
        user: ev.user,
        to: ev.to,
        body,
        receiptRequested: false,
        ...(ev.resource ? { resource: ev.resource } : {}),
      } as const;
      return 'channel' in to ? this.s.outgoing.sendGroupchat(line, to.channel, '', attempt) : this.s.outgoing.sendPrivate(line, to.nick, '', attempt);
    });
  }
}

/**
 * disco#info features of a channel or nick (issue 12: exactly what the bridge handles there; the
 * core also drops chat states before the outbox where `chatStates` is not listed, core/features.ts):
 * XEP-0461 replies and XEP-0393 styling always (a reply without the tag is the text, styling is
 * IRC formatting); XEP-0444 reactions with `+draft/react` or the text fallback; XEP-0085 chat
 * states with `+typing`; XEP-0424 retraction with draft/message-redaction. `conn`: a connection to
 * the network's server (none yet: what works without IRCv3).
 */
export function clientTagFeatures(conn: Ircv3Support | undefined, config: Pick<IrcConfig, 'reaction_fallback'>): string[] {
  const features: string[] = [FEATURES.reply, FEATURES.styling];
  if (config.reaction_fallback === 'text' || canSendTag(conn, '+draft/react')) features.push(FEATURES.reactions);
  if (canSendTag(conn, '+typing')) features.push(FEATURES.chatStates);
  if (canRedact(conn)) features.push(FEATURES.retract);
  return features;
}
