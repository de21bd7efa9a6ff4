/**
 * IRC → XMPP: each IRC line a session receives, as Inbound events (peer-tests.md §1.4, biboumi's
 * behaviour): JOIN/PART/QUIT/KICK/NICK as occupant presences, NAMES as the occupant list,
 * TOPIC as the subject, MODE as "Mode … by …" plus role updates, PRIVMSG/NOTICE as messages.
 * It reads the typed events of client/to-event.ts: no positional parameter, no numeric.
 */
import type { IrcEvent, RefusedEvent, WhoReplyEvent } from './client/events.js';
import { isJoinRefusal } from './client/refusal-numerics.js';
import { formatModeChanges, parseModeChanges } from './modes.js';
import { roomLocalpart } from './address.js';
import { isBanned } from './bans.js';
import { memberOccupant } from './room.js';
import type { ChannelHistory } from './chathistory.js';
import type { CtcpAnswers } from './ctcp-answer.js';
import type { ReflectionGate } from './refusals.js';
import type { SessionRooms } from './session-rooms.js';
import { IncomingText, type IncomingTextSession } from './irc-messages.js';
import { TagEvents } from './client-tag-events.js';
import { OpenBatches } from './client/echo.js';
import { MultilineReceiver } from './multiline-messages.js';

/** The session as its inbound side sees it: also its rooms, its chathistory requests and the reflections held for the server's verdict. */
export interface InboundSession extends IncomingTextSession {
  readonly rooms: SessionRooms;
  readonly history: ChannelHistory;
  readonly requests: { readonly verdicts: ReflectionGate; readonly ctcpAnswers: CtcpAnswers };
}

/**
 * The inbound side of one session: each line its connection reads, as typed events, turned into
 * what the user sees. It holds the session privately, and owns what only the inbound side needs:
 * the open IRCv3 batches, multiline assembly, typing senders, the MOTD count.
 */
export class IrcEventHandler {
  /** MOTD lines (372) forwarded on this connection (config `bounds.motd_lines`). */
  private motdLines = 0;

  /** IRCv3 batches the server has opened. */
  private readonly batches: OpenBatches;
  private readonly multiline: MultilineReceiver;
  private readonly text: IncomingText;
  /** Client tags and redactions; its reply references also serve replayed history (chathistory-deliver.ts). */
  readonly tags: TagEvents;

  constructor(private readonly s: InboundSession) {
    this.batches = new OpenBatches(s.deps.config.bounds.open_batches);
    this.multiline = new MultilineReceiver(s);
    this.tags = new TagEvents(s);
    this.text = new IncomingText(s, this.batches, this.tags);
  }

  /** A new connection: its MOTD is counted afresh. */
  connectionOpened(): void {
    this.motdLines = 0;
  }

  /** The connection is gone: its open batches and typing senders with it. */
  connectionClosed(): void {
    this.tags.connectionClosed();
    this.batches.clear();
  }

  /** RPL_WHOREPLY (352): user@host, and G = away. */
  private async onWhoReply(ev: WhoReplyEvent): Promise<void> {
    const s = this.s;
    const { channel, user, host, nick, flags } = ev;
    const m = s.rooms.memberHost(nick, user, host, { channel, unknown: true });
    if (!m) return;
    // The WHO reply has no away message (RPL_AWAY has, on a PM): "Away" stands for it.
    if (flags.startsWith('G') && !m.away) await s.rooms.setAway(nick, 'Away', false);
  }

  /** One event from the connection, in order (the session chains them). */
  async handleEvent(ev: IrcEvent): Promise<void> {
    const s = this.s;
    // The PONG that confirms held reflections, or a refusal of a message: it becomes an error stanza, not a notice.
    if (s.requests.verdicts.onEvent(ev)) return;
    switch (ev.type) {
      case 'join':
        return this.onJoin(ev.source, ev.channel);
      case 'part':
        return this.onLeave(ev.channel, ev.source.nick, ev.reason);
      case 'quit':
        for (const room of s.rooms.values()) if (room.roster?.knows(s.fold(ev.source.nick))) await this.onLeave(room.channel, ev.source.nick, ev.reason);
        return;
      case 'kick':
        return this.onLeave(ev.channel, ev.target, undefined, { actor: ev.source.nick, ...(ev.reason ? { reason: ev.reason } : {}) });
      case 'nick':
        return this.onNick(ev.source.nick, ev.newNick);
      case 'mode':
        return this.onMode(ev.target, ev.modes, ev.args, ev.source.nick);
      case 'topic':
        return s.rooms.topic(ev.channel, ev.topic, ev.source.nick, true);
      case 'message':
      case 'notice':
        // A line of an IRCv3 multiline batch waits for the batch's end; one of a chathistory reply we asked for is collected.
        if (ev.batch !== undefined && (this.multiline.take(ev) || s.history.takeLine(ev))) return;
        return this.text.onText(ev);
      case 'ctcp':
        return this.text.onCtcp(ev);
      case 'tagmsg':
        return this.tags.onTagmsg(ev);
      case 'redact':
        return this.tags.onRedact(ev);
      case 'fail':
        // A refused CHATHISTORY of ours: asked again by time, or given up (chathistory.ts).
        if (s.history.onFail(ev)) return;
        // IRCv3 standard replies: a refusal the user should read (one a waiter expects is also answered there).
        return this.showStandardReply(ev);
      case 'warn':
      case 'note':
        // Nothing was refused: shown like other server messages.
        return this.showStandardReply(ev);
      case 'invite':
        // XEP-0045 §7.8.2: a mediated invitation from the room, the inviter as an occupant nick.
        if (!ev.channel || !s.isSelf(ev.target)) return;
        await s.deliver({ kind: 'invite', user: s.user, from: roomLocalpart(s.deps.networkAddr, ev.channel, s.deps.fixed), inviter: ev.source.nick });
        return;
      case 'away':
        // away-notify: the server sends it on changes only; every session tells its user.
        return s.rooms.setAway(ev.source.nick, ev.message, true);
      case 'awayReply':
        // RPL_AWAY: also shown as a server message; it repeats, so only a change is shown.
        if (ev.nick) await s.rooms.setAway(ev.nick, ev.message || 'Away', false);
        return this.showServerText(ev);
      case 'chghost':
        // IRCv3 chghost: the user and host change in place; no part/join (unlike servers without it).
        s.rooms.memberHost(ev.source.nick, ev.user, ev.host);
        return;
      case 'topicInfo':
        return s.rooms.topic(ev.channel, ev.topic, ev.setBy, false);
      case 'motd': {
        // RPL_MOTD: at most `bounds.motd_lines` per connection reach the user (an endless MOTD is dropped).
        const max = s.deps.config.bounds.motd_lines;
        this.motdLines++;
        if (this.motdLines === max + 1) await s.notify(`The message of the day is longer than ${max} lines; the rest is not shown.`);
        if (this.motdLines > max) return;
        return this.showServerText(ev);
      }
      case 'names':
        return s.rooms.names(ev.channel, ev.entries);
      case 'whoReply':
        return this.onWhoReply(ev);
      case 'namesEnd': {
        const room = s.room(ev.channel);
        if (room?.pending) await s.rooms.finishJoin(room);
        return;
      }
      case 'inviting': {
        const room = s.room(ev.channel);
        if (room) await s.xmppRooms.message(s.user, room.localpart, { body: `${ev.nick} has been invited to ${room.channel}` });
        return;
      }
      case 'batch': {
        // IRCv3 batch: netsplit/netjoin QUITs and JOINs inside are handled one by one as usual; a
        // multiline batch ends as one message (multiline-messages.ts); a chathistory reply we asked
        // for is delivered as history (chathistory.ts), other chathistory replays are recognised by irc-messages.ts.
        this.batches.onBatch(ev);
        const whole = this.multiline.onBatch(ev);
        if (whole) return s.history.takeLine(whole) ? undefined : this.text.onText(whole);
        await s.history.onBatch(ev);
        return;
      }
      case 'historyTarget':
        return s.history.onTarget(ev);
      case 'refused':
        return this.onRefused(ev);
      case 'serverText':
        return this.showServerText(ev);
    }
  }

  private showStandardReply(ev: { server: string; command: string; code: string; context: string[]; description: string }): Promise<void> {
    return this.s.notify(`${ev.server}: ${ev.command} ${ev.code}: ${[...ev.context, ev.description].join(' ')}`);
  }

  private showServerText(ev: { server: string; args: string[] }): Promise<void> {
    return this.s.notify(`${ev.server}: ${ev.args.join(' ')}`);
  }

  /** A refused JOIN fails the pending join; another refusal, or one for no join of ours, is only shown (a waiter may answer it too). */
  private async onRefused(ev: RefusedEvent): Promise<void> {
    const s = this.s;
    const room = isJoinRefusal(ev.reason) ? s.room(ev.target) : undefined;
    if (!room?.pending || !isJoinRefusal(ev.reason)) return this.showServerText(ev);
    await s.notify(`${ev.server}: ${ev.args.join(': ')}`);
    await s.rooms.joinRefused(room, ev.reason, ev.text);
  }

  private async onJoin(src: { nick: string; user?: string; host?: string }, channel: string): Promise<void> {
    const s = this.s;
    const room = s.room(channel);
    // Our own JOIN: the NAMES that follow complete it. Before that, NAMES will list this member.
    if (!room?.roster || s.isSelf(src.nick)) return;
    const m = room.roster.join(s.fold(src.nick), {
      nick: src.nick,
      modes: new Set(),
      ...(src.user ? { user: src.user } : {}),
      ...(src.host ? { host: src.host } : {}),
    });
    if (!room.joined) return;
    if (!m) return s.rooms.tellTruncated(room);
    await s.xmppRooms.occupantJoined(s.user, room.localpart, s.rooms.occupant(m));
  }

  /** A PART, QUIT or KICK of `nick`: the occupant leaves; when it is the user, the room ends for every resource. */
  private async onLeave(channel: string, nick: string, status: string | undefined, kick?: { actor: string; reason?: string }): Promise<void> {
    const s = this.s;
    const room = s.room(channel);
    if (!room || !nick) return;
    const isupport = s.conn!.isupport;
    const self = s.isSelf(nick);
    const m = room.roster?.leave(s.fold(nick)) ?? { nick, modes: new Set<string>() };
    // A KICK of a member a ban mask matches is a ban (XEP-0045 §9.1: 301), ours or a native op's.
    const removal = kick ? { ...kick, ...(isBanned(room, m, (x) => s.fold(x)) ? { banned: true } : {}) } : undefined;
    if (self) s.rooms.forget(room);
    // The core knows the user by the nick it was given: the user's own occupant goes by it.
    const occupant = self ? { ...memberOccupant(isupport, m), nick: s.xmppRooms.nick(s.user, room.localpart) ?? m.nick } : s.rooms.occupant(m);
    await s.xmppRooms.occupantLeft(s.user, room.localpart, occupant, { ...(status ? { status } : {}), ...(removal ? { kick: removal } : {}) });
  }

  private async onNick(oldNick: string, newNick: string): Promise<void> {
    const s = this.s;
    // IrcConnection has already taken our new nick when the line reaches us.
    const self = s.isSelf(newNick);
    for (const room of s.rooms.values()) {
      const m = room.roster?.rename(s.fold(oldNick), s.fold(newNick), newNick);
      if (!m || !room.joined) continue;
      const old = { ...s.rooms.occupant(m), nick: self ? (s.xmppRooms.nick(s.user, room.localpart) ?? oldNick) : oldNick };
      await s.xmppRooms.occupantRenamed(s.user, room.localpart, old, newNick);
    }
  }

  private async onMode(target: string, modes: string, args: string[], by: string): Promise<void> {
    const s = this.s;
    const room = s.room(target);
    if (!room) {
      if (s.isSelf(target)) await s.notify(`User mode for ${target} is now ${[modes, ...args].join(' ')}`);
      return;
    }
    const isupport = s.conn!.isupport;
    const changes = parseModeChanges(isupport, modes, args);
    await s.xmppRooms.message(s.user, room.localpart, { body: `Mode ${room.channel} [${formatModeChanges(changes)}] by ${by}` });
    for (const m of s.rooms.applyModes(room, isupport, changes)) await s.xmppRooms.occupantChanged(s.user, room.localpart, s.rooms.occupant(m));
  }
}
