/**
 * Completing a JOIN (RFC 2812 §3.2.1: NAMES then 366) and telling the core's rooms what the
 * channel looks like: its members as occupants, the user's own modes, the topic and the join
 * history (the core sends them in the XEP-0045 §7.2 order).
 */
import type { HistoryRequest } from '../../src/core/model.js';
import type { HistoryItem, RoomSnapshot } from '../../src/core/room-types.js';
import { memberFromNames, memberOccupant, roomMembers, type Member, type Room } from './room.js';
import { fetchMissedInRoom } from './chathistory.js';
import type { IrcSession } from './session.js';

/** RPL_NAMREPLY (353) during a join; at most `bounds.channel_members` are kept (an endless NAMES cannot grow memory). */
export function onNames(s: IrcSession, channel: string, entries: readonly string[]): void {
  const room = s.room(channel);
  const pending = room?.pending;
  if (!pending || !s.conn) return;
  const cap = s.deps.config.bounds.channel_members;
  for (const entry of entries) {
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
  await s.xmppRooms.message(s.user, room.localpart, { body, ...(only !== undefined ? { toResource: only } : {}) });
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
  await tellJoined(s, room, rejoin ? undefined : pending.resource, pending.requestedNick, rejoin ? undefined : pending.history);
  if (roster.truncated) {
    if (rejoin) room.truncationTold = false;
    await tellTruncated(s, room, rejoin ? undefined : pending.resource);
  }
  // IRCv3 chathistory: a rejoin asks for what the channel missed meanwhile (chathistory.ts).
  if (rejoin) fetchMissedInRoom(s, room);
  // Remembered for the rejoin of persistent channels at gateway start.
  s.deps.channels.update(s.user, s.deps.networkName, room.channel, { localpart: room.localpart, nick: s.nick });
  pending.resolve();
}

/**
 * The channel's state to the core: to `resource` joining (or re-sent after a lost
 * synchronization, §7.2.1), or, without one, a rejoin for every resource in the room.
 */
export async function tellJoined(
  s: IrcSession,
  room: Room,
  resource: string | undefined,
  requestedNick: string,
  history: HistoryRequest | undefined,
): Promise<void> {
  const items: HistoryItem[] = resource === undefined ? [] : s.archive.historyOf(room, history);
  await s.xmppRooms.joined(s.user, room.localpart, snapshotOf(s, room), {
    requestedNick,
    ...(resource !== undefined ? { resource, history: items } : { status: 'Rejoined after the IRC connection was re-established.' }),
  });
}

function selfMember(s: IrcSession, room: Room): Member {
  return room.roster?.get(s.fold(s.nick)) ?? { nick: s.nick, modes: new Set<string>() };
}

function snapshotOf(s: IrcSession, room: Room): RoomSnapshot {
  const { role, affiliation } = memberOccupant(s.conn!.isupport, selfMember(s, room));
  const members = roomMembers(room);
  const occupants = [...members.values()].filter((m) => !s.isSelf(m.nick)).map((m) => s.occupant(m));
  const setter = room.topicBy !== undefined ? members.get(s.fold(room.topicBy))?.nick : undefined;
  return { nick: s.nick, self: { role, affiliation }, occupants, subject: room.topic ?? '', ...(setter ? { subjectBy: setter } : {}) };
}
