/**
 * IRC → XMPP: each IRC line a session receives, as Inbound events (peer-tests.md §1.4, biboumi's
 * behaviour): JOIN/PART/QUIT/KICK/NICK as occupant presences, NAMES as the occupant list,
 * TOPIC as the subject, MODE as "Mode … by …" plus role updates, PRIVMSG/NOTICE as messages.
 */
import { StanzaError } from '../../src/core/errors.js';
import type { ErrorCondition } from '../../src/core/model.js';
import { parseSource, type IrcLine } from './line.js';
import { formatModeChanges, parseModeChanges } from './modes.js';
import { roomLocalpart } from './address.js';
import { finishJoin, onNames, tellTruncated } from './join-state.js';
import { memberMuc, occupantPresence, type Member, type Room } from './room.js';
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
      for (const r of room.resources) await s.deliver({ kind: 'subject', user: s.user, from: room.localpart, fromResource: src.nick, toResource: r, subject: room.topic });
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
      if (room) for (const r of room.resources) await s.deliver({ kind: 'message', user: s.user, from: room.localpart, toResource: r, type: 'groupchat', body: `${p[1]} has been invited to ${room.channel}` });
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
        for (const r of room.resources) {
          await s.deliver(occupantPresence({ user: s.user, room, toResource: r }, s.nick, 'unavailable', { affiliation: 'none', role: 'none', codes: [110, 332] }, `Could not rejoin: ${p.at(-1) ?? ''}`));
        }
      } else if (!room.joined && room.resources.size === 0) s.rooms.delete(s.fold(room.channel));
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
  const m = room.roster.join(s.fold(src.nick), { nick: src.nick, modes: new Set(), ...(src.user ? { user: src.user } : {}), ...(src.host ? { host: src.host } : {}) });
  if (!room.joined) return;
  if (!m) return tellTruncated(s, room);
  for (const r of room.resources) {
    await s.deliver(occupantPresence({ user: s.user, room, toResource: r }, m.nick, 'available', memberMuc(s.conn!.isupport, m, { codes: [], jid: s.memberJid(m) })));
  }
}

/** Our own PART or KICK: the room ends, and a persistent channel is no longer rejoined at start. */
function forgetRoom(s: IrcSession, room: Room): void {
  s.rooms.delete(s.fold(room.channel));
  s.deps.channels.update(s.user, s.deps.networkName, room.channel, { localpart: undefined });
}

async function onLeave(s: IrcSession, channel: string, nick: string, status: string | undefined): Promise<void> {
  const room = s.room(channel);
  if (!room) return;
  const isupport = s.conn!.isupport;
  const m = room.roster?.leave(s.fold(nick)) ?? { nick, modes: new Set<string>() };
  const self = s.isSelf(nick);
  if (self) forgetRoom(s, room);
  for (const r of room.resources) {
    await s.deliver(occupantPresence({ user: s.user, room, toResource: r }, m.nick, 'unavailable', { ...memberMuc(isupport, m, { codes: self ? [110] : [] }), role: 'none' }, status));
  }
}

async function onKick(s: IrcSession, channel: string, target: string, by: string, reason: string | undefined): Promise<void> {
  const room = s.room(channel);
  if (!room || !target) return;
  const m = room.roster?.leave(s.fold(target)) ?? { nick: target, modes: new Set<string>() };
  const self = s.isSelf(target);
  if (self) forgetRoom(s, room);
  for (const r of room.resources) {
    const muc = { affiliation: 'none' as const, role: 'none' as const, actor: by, ...(reason ? { reason } : {}), codes: self ? [307, 110] : [307] };
    await s.deliver(occupantPresence({ user: s.user, room, toResource: r }, m.nick, 'unavailable', muc));
  }
}

async function onNick(s: IrcSession, oldNick: string, newNick: string): Promise<void> {
  // IrcConnection has already taken our new nick when the line reaches us.
  const self = s.isSelf(newNick);
  const isupport = s.conn!.isupport;
  for (const room of s.rooms.values()) {
    const m = room.roster?.rename(s.fold(oldNick), s.fold(newNick), newNick);
    if (!m) continue;
    if (!room.joined) continue;
    for (const r of room.resources) {
      const base = { user: s.user, room, toResource: r };
      await s.deliver(occupantPresence(base, oldNick, 'unavailable', memberMuc(isupport, m, { nick: newNick, codes: self ? [303, 110] : [303] })));
      await s.deliver(occupantPresence(base, newNick, 'available', memberMuc(isupport, m, { codes: self ? [110] : [], ...(self ? {} : { jid: s.memberJid(m) }) })));
    }
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
  for (const r of room.resources) {
    await s.deliver({ kind: 'message', user: s.user, from: room.localpart, toResource: r, type: 'groupchat', body: `Mode ${room.channel} [${formatModeChanges(changes)}] by ${by}` });
  }
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
  for (const m of touched) {
    const self = s.isSelf(m.nick);
    for (const r of room.resources) {
      await s.deliver(occupantPresence({ user: s.user, room, toResource: r }, m.nick, 'available', memberMuc(isupport, m, { codes: self ? [110] : [], jid: self ? `${s.user}/${r}` : s.memberJid(m) })));
    }
  }
}
