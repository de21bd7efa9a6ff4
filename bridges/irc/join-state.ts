/**
 * Completing a JOIN (RFC 2812 §3.2.1: NAMES then 366) and sending a room's state to a resource in
 * the XEP-0045 §7.2 order: other occupants (§7.2.3), self-presence with 110/100/210 (§7.2.2, §7.2.14),
 * the history (§7.2.15), then the subject (§7.2.16).
 */
import type { HistoryRequest } from '../../src/core/model.js';
import { memberFromNames, memberMuc, occupantPresence, roomMembers, type Member, type Room } from './room.js';
import { sendHistory } from './room-history.js';
import type { IrcSession } from './session.js';

/** RPL_NAMREPLY (353) during a join; at most `bounds.channel_members` are kept (an endless NAMES cannot grow memory). */
export function onNames(s: IrcSession, channel: string, entries: string): void {
  const room = s.room(channel);
  const pending = room?.pending;
  if (!pending || !s.conn) return;
  const cap = s.deps.config.bounds.channel_members;
  for (const entry of entries.split(' ').filter(Boolean)) {
    const { prefixes, nick } = s.conn.isupport.splitNamesEntry(entry);
    if (!nick) continue;
    const key = s.fold(nick);
    if (pending.names.size >= cap && !pending.names.has(key)) {
      pending.truncated = true;
      return;
    }
    pending.names.set(key, memberFromNames(s.conn.isupport, prefixes, nick));
  }
}

/** Tell the room's resources (or `only` one) once that the occupant list stops at the bound. */
export async function tellTruncated(s: IrcSession, room: Room, only?: string): Promise<void> {
  if (!only && room.truncationTold) return;
  if (!only) room.truncationTold = true;
  const cap = s.deps.config.bounds.channel_members;
  const body = `The occupant list of ${room.channel} is truncated: only ${cap} members are shown (bounds.channel_members).`;
  for (const r of only ? [only] : room.resources) await s.deliver({ kind: 'message', user: s.user, from: room.localpart, toResource: r, type: 'groupchat', body });
}

export async function finishJoin(s: IrcSession, room: Room): Promise<void> {
  const pending = room.pending!;
  room.pending = undefined;
  // NAMES is the channel as the server has it now: it resets the list shared with other sessions.
  const roster = s.rooms.attach(s.fold(room.channel), room);
  roster.replace(pending.names, !!pending.truncated);
  room.joined = true;
  if (!roster.whoAsked) {
    // NAMES has no away state: one WHO per list (RPL_WHOREPLY flags H here / G gone, RFC 2812
    // §4.2.2 and §5.1), by the first session; later joiners read it from the shared list.
    roster.whoAsked = true;
    void s.sendLine('WHO', [room.channel]).catch(() => undefined);
  }
  const rejoin = pending.resource === '';
  const targets = rejoin ? [...room.resources] : [pending.resource];
  const self = selfMember(s, room);
  for (const r of targets) {
    const status = rejoin ? 'Rejoined after the IRC connection was re-established.' : undefined;
    await sendRoomState(s, room, r, self, { nickChanged: s.fold(pending.requestedNick) !== s.fold(s.nick), ...(status ? { status } : {}), history: rejoin ? { maxstanzas: 0 } : pending.history });
  }
  if (roster.truncated) for (const r of targets) await tellTruncated(s, room, r);
  if (!rejoin) room.resources.add(pending.resource);
  // Remembered for the rejoin of persistent channels at gateway start.
  s.deps.channels.update(s.user, s.deps.networkName, room.channel, { localpart: room.localpart, nick: s.nick });
  pending.resolve();
}

export function selfMember(s: IrcSession, room: Room): Member {
  return room.roster?.get(s.fold(s.nick)) ?? { nick: s.nick, modes: new Set<string>() };
}

/** Occupants, self-presence, history and subject to one resource (also a "lost synchronization" re-send). */
export async function sendRoomState(s: IrcSession, room: Room, r: string, self: Member, opts: { nickChanged: boolean; status?: string; history: HistoryRequest | undefined }): Promise<void> {
  const isupport = s.conn!.isupport;
  const base = { user: s.user, room, toResource: r };
  for (const m of roomMembers(room).values()) {
    if (s.isSelf(m.nick)) continue;
    const presence = occupantPresence(base, m.nick, 'available', memberMuc(isupport, m, { codes: [], jid: s.memberJid(m) }), m.away);
    await s.deliver({ ...presence, ...(m.away ? { show: 'away' as const } : {}) });
  }
  const codes = opts.nickChanged ? [110, 100, 210] : [110, 100];
  await s.deliver(occupantPresence(base, s.nick, 'available', memberMuc(isupport, self, { codes, jid: `${s.user}/${r}` }), opts.status));
  await sendHistory(s, room, r, opts.history);
  const setter = room.topicBy && roomMembers(room).has(s.fold(room.topicBy)) ? room.topicBy : undefined;
  await s.deliver({ kind: 'subject', user: s.user, from: room.localpart, toResource: r, subject: room.topic ?? '', ...(setter ? { fromResource: setter } : {}) });
}
