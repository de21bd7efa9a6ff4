/**
 * IRC → XMPP: each IRC line a session receives, as Inbound events (peer-tests.md §1.4, biboumi's
 * behaviour): JOIN/PART/QUIT/KICK/NICK as occupant presences, NAMES as the occupant list,
 * TOPIC as the subject, MODE as "Mode … by …" plus role updates, PRIVMSG/NOTICE as messages.
 */
import { StanzaError } from '../../src/core/errors.js';
import type { ErrorCondition } from '../../src/core/model.js';
import { parseSource, type IrcLine } from './client/line.js';
import { formatModeChanges, parseModeChanges } from './modes.js';
import { roomLocalpart } from './address.js';
import { finishJoin, onNames, tellTruncated } from './join-state.js';
import { memberOccupant, type Member, type Room } from './room.js';
import type { IrcSession } from './session.js';
import { onText } from './irc-messages.js';
import { onOccupantAway } from './occupant-away.js';
import { takeVerdictLine } from './refusals.js';

/** Join failures (RFC 2812 §5.2) and the XEP-0045 §7.2 conditions biboumi maps them to. */
export const JOIN_ERRORS: Record<string, ErrorCondition> = {
  '471': 'service-unavailable', // channel full (+l)
  '473': 'registration-required', // invite only (+i)
  '474': 'forbidden', // banned (+b)
  '475': 'not-authorized', // bad key (+k)
  '403': 'item-not-found',
  '405': 'resource-constraint',
  '437': 'conflict',
  '477': 'registration-required',
  '489': 'forbidden',
};

// Numerics that carry nothing for the user (or that we handle as state). LIST replies (321–323)
// feed the channel list (channel-list.ts); relayed, an endless LIST would be an endless flood of messages.
const SILENT = new Set(['005', '353', '366', '332', '333', '329', '324', '315', '352', '321', '322', '323']);

/** RPL_WHOREPLY (352) `<me> <channel> <user> <host> <server> <nick> <flags> :<hops> <realname>`: user@host, and G = away. */
async function onWhoReply(s: IrcSession, p: string[]): Promise<void> {
  const [, channel = '', user = '', host = '', , nick = '', flags = ''] = p;
  const m = s.room(channel)?.roster?.get(s.fold(nick));
  if (!m) return;
  if (!m.user && user && host) Object.assign(m, { user, host });
  // The WHO reply has no away message (RPL_AWAY has, on a PM): "Away" stands for it.
  if (flags.startsWith('G') && !m.away) await onOccupantAway(s, nick, 'Away', false);
}

export async function handleLine(s: IrcSession, line: IrcLine): Promise<void> {
  // The PONG that confirms held reflections, or a refusal of a message: it becomes an error stanza, not a notice.
  if (takeVerdictLine(s, line)) return;
  const src = parseSource(line.prefix);
  const p = line.params;
  switch (line.command) {
    case 'JOIN':
      return onJoin(s, src, p[0] ?? '');
    case 'PART':
      return onLeave(s, p[0] ?? '', src.nick, p[1]);
    case 'QUIT':
      for (const room of s.rooms.values()) if (room.roster?.knows(s.fold(src.nick))) await onLeave(s, room.channel, src.nick, p[0]);
      return;
    case 'KICK':
      return onKick(s, p[0] ?? '', p[1] ?? '', src.nick, p[2]);
    case 'NICK':
      return onNick(s, src.nick, p[0] ?? '');
    case 'MODE':
      return onMode(s, p[0] ?? '', p[1] ?? '', p.slice(2), src.nick);
    case 'TOPIC': {
      const room = s.room(p[0] ?? '');
      if (!room) return;
      room.topic = p[1] ?? '';
      room.topicBy = src.nick;
      await s.xmppRooms.subject(s.user, room.localpart, room.topic, src.nick);
      return;
    }
    case 'PRIVMSG':
    case 'NOTICE':
      return onText(s, line, src);
    case 'INVITE': {
      // XEP-0045 §7.8.2: a mediated invitation from the room, the inviter as an occupant nick.
      const channel = p[1] ?? '';
      if (!channel || !s.isSelf(p[0] ?? '')) return;
      await s.deliver({ kind: 'invite', user: s.user, from: roomLocalpart(s.deps.networkAddr, channel, s.deps.fixed), inviter: src.nick });
      return;
    }
    case 'AWAY':
      // away-notify: the server sends it on changes only; every session tells its user.
      return onOccupantAway(s, src.nick, p[0] ?? '', true);
    case '301':
      // RPL_AWAY: also shown as a server message below; it repeats, so only a change is shown.
      if (p[1]) await onOccupantAway(s, p[1], p[2] || 'Away', false);
      break;
    case 'CHGHOST':
      // IRCv3 chghost: the user and host change in place; no part/join (unlike servers without it).
      for (const room of s.rooms.values()) {
        const m = room.roster?.get(s.fold(src.nick));
        if (m && p[0] && p[1]) Object.assign(m, { user: p[0], host: p[1] });
      }
      return;
    case '332': {
      const room = s.room(p[1] ?? '');
      if (room) room.topic = p[2] ?? '';
      return;
    }
    case '333': {
      const room = s.room(p[1] ?? '');
      if (room && p[2]) room.topicBy = parseSource(p[2]).nick;
      return;
    }
    case '372': {
      // RPL_MOTD: at most `bounds.motd_lines` per connection reach the user (an endless MOTD is dropped).
      const max = s.deps.config.bounds.motd_lines;
      s.motdLines++;
      if (s.motdLines === max + 1) await s.notify(`The message of the day is longer than ${max} lines; the rest is not shown.`);
      if (s.motdLines > max) return;
      break;
    }
    case '353':
      return onNames(s, p[2] ?? '', p[3] ?? '');
    case '352':
      return onWhoReply(s, p);
    case '366': {
      const room = s.room(p[1] ?? '');
      if (room?.pending) await finishJoin(s, room);
      return;
    }
    case '341': {
      const room = s.room(p[2] ?? '');
      if (room) await s.xmppRooms.message(s.user, room.localpart, { body: `${p[1]} has been invited to ${room.channel}` });
      return;
    }
    case 'ERROR':
      return; // the session reports it with the disconnection
    case 'BATCH':
      // IRCv3 batch: netsplit/netjoin QUITs and JOINs inside are handled one by one as usual;
      // chathistory replays are recognised by irc-messages.ts.
      s.batches.onBatch(line);
      return;
    case 'ACCOUNT':
      return; // IRCv3 account-notify: nothing to show (the occupant stays the same)
  }
  if (/^\d{3}$/.test(line.command)) {
    const room = s.room(p[1] ?? '');
    const condition = JOIN_ERRORS[line.command];
    if (condition && room?.pending) {
      await s.notify(`${src.nick}: ${p.slice(1).join(': ')}`);
      const pending = room.pending;
      room.pending = undefined;
      if (pending.resource === '') {
        // A rejoin after a reconnect was refused (banned meanwhile, key changed): the room ends.
        s.rooms.delete(s.fold(room.channel));
        await s.xmppRooms.ended(s.user, room.localpart, `Could not rejoin: ${p.at(-1) ?? ''}`);
      } else if (!room.joined && s.resources(room).size === 0) s.rooms.delete(s.fold(room.channel));
      pending.reject(new StanzaError(condition, p.at(-1) ?? 'Cannot join the channel.'));
      return;
    }
    if (!SILENT.has(line.command)) await s.notify(`${src.nick}: ${p.slice(1).join(' ')}`);
  }
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
async function onLeave(s: IrcSession, channel: string, nick: string, status: string | undefined, kick?: { actor: string; reason?: string }): Promise<void> {
  const room = s.room(channel);
  if (!room || !nick) return;
  const isupport = s.conn!.isupport;
  const self = s.isSelf(nick);
  const m = room.roster?.leave(s.fold(nick)) ?? { nick, modes: new Set<string>() };
  if (self) forgetRoom(s, room);
  // The core knows the user by the nick it was given: the user's own occupant goes by it.
  const occupant = self ? { ...memberOccupant(isupport, m), nick: s.xmppRooms.nick(s.user, room.localpart) ?? m.nick } : s.occupant(m);
  await s.xmppRooms.occupantLeft(s.user, room.localpart, occupant, { ...(status ? { status } : {}), ...(kick ? { kick } : {}) });
}

function onKick(s: IrcSession, channel: string, target: string, by: string, reason: string | undefined): Promise<void> {
  return onLeave(s, channel, target, undefined, { actor: by, ...(reason ? { reason } : {}) });
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
    if (!isupport.prefixForMode(ch.mode) || ch.param === undefined) continue;
    const m = room.roster?.get(s.fold(ch.param));
    if (!m) continue;
    if (ch.adding) m.modes.add(ch.mode);
    else m.modes.delete(ch.mode);
    touched.add(m);
  }
  for (const m of touched) await s.xmppRooms.occupantChanged(s.user, room.localpart, s.occupant(m));
}
