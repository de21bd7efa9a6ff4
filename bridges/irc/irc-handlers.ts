/**
 * IRC → XMPP: each IRC line a session receives, as Inbound events (peer-tests.md §1.4, biboumi's
 * behaviour): JOIN/PART/QUIT/KICK/NICK as occupant presences, NAMES as the occupant list,
 * TOPIC as the subject, MODE as "Mode … by …" plus role updates, PRIVMSG/NOTICE as messages.
 * It reads the typed events of client/to-event.ts: no positional parameter, no numeric.
 */
import { StanzaError } from '../../src/core/errors.js';
import type { IrcEvent, RefusedEvent, WhoReplyEvent } from './client/events.js';
import { isJoinRefusal } from './client/refusal-numerics.js';
import { formatModeChanges, parseModeChanges } from './modes.js';
import { roomLocalpart } from './address.js';
import { finishJoin, onNames, tellTruncated } from './join-state.js';
import { isBanned, noteBan } from './bans.js';
import { memberOccupant, type Member, type Room } from './room.js';
import type { IrcSession } from './session.js';
import { onCtcp, onText } from './irc-messages.js';
import { onRedact, onTagmsg } from './client-tag-events.js';
import { onOccupantAway } from './occupant-away.js';
import { JOIN_REFUSAL_CONDITIONS } from './refusal-conditions.js';
import { onHistoryBatch, onHistoryFail, onHistoryTarget, takeHistoryLine } from './chathistory.js';
import { onMultilineBatch, takeMultilineLine } from './multiline-messages.js';

/** RPL_WHOREPLY (352): user@host, and G = away. */
async function onWhoReply(s: IrcSession, ev: WhoReplyEvent): Promise<void> {
  const { channel, user, host, nick, flags } = ev;
  const m = s.room(channel)?.roster?.get(s.fold(nick));
  if (!m) return;
  if (!m.user && user && host) Object.assign(m, { user, host });
  // The WHO reply has no away message (RPL_AWAY has, on a PM): "Away" stands for it.
  if (flags.startsWith('G') && !m.away) await onOccupantAway(s, nick, 'Away', false);
}

export async function handleEvent(s: IrcSession, ev: IrcEvent): Promise<void> {
  // The PONG that confirms held reflections, or a refusal of a message: it becomes an error stanza, not a notice.
  if (s.requests.verdicts.onEvent(ev)) return;
  switch (ev.type) {
    case 'join':
      return onJoin(s, ev.source, ev.channel);
    case 'part':
      return onLeave(s, ev.channel, ev.source.nick, ev.reason);
    case 'quit':
      for (const room of s.rooms.values()) if (room.roster?.knows(s.fold(ev.source.nick))) await onLeave(s, room.channel, ev.source.nick, ev.reason);
      return;
    case 'kick':
      return onLeave(s, ev.channel, ev.target, undefined, { actor: ev.source.nick, ...(ev.reason ? { reason: ev.reason } : {}) });
    case 'nick':
      return onNick(s, ev.source.nick, ev.newNick);
    case 'mode':
      return onMode(s, ev.target, ev.modes, ev.args, ev.source.nick);
    case 'topic': {
      const room = s.room(ev.channel);
      if (!room) return;
      room.topic = ev.topic;
      room.topicBy = ev.source.nick;
      await s.xmppRooms.subject(s.user, room.localpart, room.topic, ev.source.nick);
      return;
    }
    case 'message':
    case 'notice':
      // A line of an IRCv3 multiline batch waits for the batch's end; one of a chathistory reply we asked for is collected.
      if (takeMultilineLine(s, ev) || takeHistoryLine(s, ev)) return;
      return onText(s, ev);
    case 'ctcp':
      return onCtcp(s, ev);
    case 'tagmsg':
      return onTagmsg(s, ev);
    case 'redact':
      return onRedact(s, ev);
    case 'fail':
      // A refused CHATHISTORY of ours: asked again by time, or given up (chathistory.ts).
      if (onHistoryFail(s, ev)) return;
      // IRCv3 standard replies: a refusal the user should read (one a waiter expects is also answered there).
      return showStandardReply(s, ev);
    case 'warn':
    case 'note':
      // Nothing was refused: shown like other server messages.
      return showStandardReply(s, ev);
    case 'invite':
      // XEP-0045 §7.8.2: a mediated invitation from the room, the inviter as an occupant nick.
      if (!ev.channel || !s.isSelf(ev.target)) return;
      await s.deliver({ kind: 'invite', user: s.user, from: roomLocalpart(s.deps.networkAddr, ev.channel, s.deps.fixed), inviter: ev.source.nick });
      return;
    case 'away':
      // away-notify: the server sends it on changes only; every session tells its user.
      return onOccupantAway(s, ev.source.nick, ev.message, true);
    case 'awayReply':
      // RPL_AWAY: also shown as a server message; it repeats, so only a change is shown.
      if (ev.nick) await onOccupantAway(s, ev.nick, ev.message || 'Away', false);
      return showServerText(s, ev);
    case 'chghost':
      // IRCv3 chghost: the user and host change in place; no part/join (unlike servers without it).
      for (const room of s.rooms.values()) {
        const m = room.roster?.get(s.fold(ev.source.nick));
        if (m && ev.user && ev.host) Object.assign(m, { user: ev.user, host: ev.host });
      }
      return;
    case 'topicInfo': {
      const room = s.room(ev.channel);
      if (room && ev.topic !== undefined) room.topic = ev.topic;
      if (room && ev.setBy) room.topicBy = ev.setBy;
      return;
    }
    case 'motd': {
      // RPL_MOTD: at most `bounds.motd_lines` per connection reach the user (an endless MOTD is dropped).
      const max = s.deps.config.bounds.motd_lines;
      s.motdLines++;
      if (s.motdLines === max + 1) await s.notify(`The message of the day is longer than ${max} lines; the rest is not shown.`);
      if (s.motdLines > max) return;
      return showServerText(s, ev);
    }
    case 'names':
      return onNames(s, ev.channel, ev.entries);
    case 'whoReply':
      return onWhoReply(s, ev);
    case 'namesEnd': {
      const room = s.room(ev.channel);
      if (room?.pending) await finishJoin(s, room);
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
      s.batches.onBatch(ev);
      const whole = onMultilineBatch(s, ev);
      if (whole) return takeHistoryLine(s, whole) ? undefined : onText(s, whole);
      await onHistoryBatch(s, ev);
      return;
    }
    case 'historyTarget':
      return onHistoryTarget(s, ev);
    case 'refused':
      return onRefused(s, ev);
    case 'serverText':
      return showServerText(s, ev);
  }
}

function showStandardReply(s: IrcSession, ev: { server: string; command: string; code: string; context: string[]; description: string }): Promise<void> {
  return s.notify(`${ev.server}: ${ev.command} ${ev.code}: ${[...ev.context, ev.description].join(' ')}`);
}

function showServerText(s: IrcSession, ev: { server: string; args: string[] }): Promise<void> {
  return s.notify(`${ev.server}: ${ev.args.join(' ')}`);
}

/** A refused JOIN fails the pending join; another refusal, or one for no join of ours, is only shown (a waiter may answer it too). */
async function onRefused(s: IrcSession, ev: RefusedEvent): Promise<void> {
  const room = isJoinRefusal(ev.reason) ? s.room(ev.target) : undefined;
  if (!room?.pending || !isJoinRefusal(ev.reason)) return showServerText(s, ev);
  await s.notify(`${ev.server}: ${ev.args.join(': ')}`);
  const pending = room.pending;
  room.pending = undefined;
  if (pending.resource === '') {
    // A rejoin after a reconnect was refused (banned meanwhile, key changed): the room ends.
    s.rooms.delete(s.fold(room.channel));
    await s.xmppRooms.ended(s.user, room.localpart, `Could not rejoin: ${ev.text}`);
  } else if (!room.joined && s.resources(room).size === 0) s.rooms.delete(s.fold(room.channel));
  pending.reject(new StanzaError(JOIN_REFUSAL_CONDITIONS[ev.reason], ev.text));
}

async function onJoin(s: IrcSession, src: { nick: string; user?: string; host?: string }, channel: string): Promise<void> {
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
  if (!m) return tellTruncated(s, room);
  await s.xmppRooms.occupantJoined(s.user, room.localpart, s.occupant(m));
}

/** Our own PART or KICK: the room ends, and a persistent channel is no longer rejoined at start. */
function forgetRoom(s: IrcSession, room: Room): void {
  s.rooms.delete(s.fold(room.channel));
  s.deps.channels.update(s.user, s.deps.networkName, room.channel, { localpart: undefined });
}

/** A PART, QUIT or KICK of `nick`: the occupant leaves; when it is the user, the room ends for every resource. */
async function onLeave(
  s: IrcSession,
  channel: string,
  nick: string,
  status: string | undefined,
  kick?: { actor: string; reason?: string },
): Promise<void> {
  const room = s.room(channel);
  if (!room || !nick) return;
  const isupport = s.conn!.isupport;
  const self = s.isSelf(nick);
  const m = room.roster?.leave(s.fold(nick)) ?? { nick, modes: new Set<string>() };
  // A KICK of a member a ban mask matches is a ban (XEP-0045 §9.1: 301), ours or a native op's.
  const removal = kick ? { ...kick, ...(isBanned(room, m, (x) => s.fold(x)) ? { banned: true } : {}) } : undefined;
  if (self) forgetRoom(s, room);
  // The core knows the user by the nick it was given: the user's own occupant goes by it.
  const occupant = self ? { ...memberOccupant(isupport, m), nick: s.xmppRooms.nick(s.user, room.localpart) ?? m.nick } : s.occupant(m);
  await s.xmppRooms.occupantLeft(s.user, room.localpart, occupant, { ...(status ? { status } : {}), ...(removal ? { kick: removal } : {}) });
}

async function onNick(s: IrcSession, oldNick: string, newNick: string): Promise<void> {
  // IrcConnection has already taken our new nick when the line reaches us.
  const self = s.isSelf(newNick);
  for (const room of s.rooms.values()) {
    const m = room.roster?.rename(s.fold(oldNick), s.fold(newNick), newNick);
    if (!m || !room.joined) continue;
    const old = { ...s.occupant(m), nick: self ? (s.xmppRooms.nick(s.user, room.localpart) ?? oldNick) : oldNick };
    await s.xmppRooms.occupantRenamed(s.user, room.localpart, old, newNick);
  }
}

async function onMode(s: IrcSession, target: string, modes: string, args: string[], by: string): Promise<void> {
  const room = s.room(target);
  if (!room) {
    if (s.isSelf(target)) await s.notify(`User mode for ${target} is now ${[modes, ...args].join(' ')}`);
    return;
  }
  const isupport = s.conn!.isupport;
  const changes = parseModeChanges(isupport, modes, args);
  await s.xmppRooms.message(s.user, room.localpart, { body: `Mode ${room.channel} [${formatModeChanges(changes)}] by ${by}` });
  const touched = new Set<Member>();
  for (const ch of changes) {
    if (ch.mode === 'k') room.key = ch.adding ? ch.param : undefined;
    if (ch.mode === 'b' && ch.param !== undefined) noteBan(room, ch.param, ch.adding, (x) => s.fold(x));
    if (!isupport.prefixForMode(ch.mode) || ch.param === undefined) continue;
    const m = room.roster?.get(s.fold(ch.param));
    if (!m) continue;
    if (ch.adding) m.modes.add(ch.mode);
    else m.modes.delete(ch.mode);
    touched.add(m);
  }
  for (const m of touched) await s.xmppRooms.occupantChanged(s.user, room.localpart, s.occupant(m));
}
