/**
 * What a session knows of one joined IRC channel (the IRC side: members, topic, key, a join in
 * progress), and members as the core's occupants. The XMPP side of the room (resources, own nick,
 * presences) is the core's (ctx.rooms, design.md §4a).
 */
import type { HistoryRequest } from '../../src/core/model.js';
import type { Occupant } from '../../src/core/room-types.js';
import type { Isupport } from './client/isupport.js';
import type { Member } from './member.js';
import { prefixesToMuc } from './modes.js';
import type { ChannelRoster } from './roster.js';

export interface PendingJoin {
  /** '' for a rejoin (after a reconnect, or of a persistent channel at start). */
  resource: string;
  requestedNick: string;
  /** The joining resource's `<history/>` request. */
  history?: HistoryRequest;
  /** Settles with the join. */
  done?: Promise<void>;
  names: Map<string, Member>;
  /** NAMES listed more members than `bounds.channel_members`: the rest were not kept. */
  truncated?: boolean;
  resolve(): void;
  reject(err: Error): void;
}

export interface Room {
  channel: string;
  /** The room's local part as the user addressed it (replies come from the same JID). */
  localpart: string;
  /** Whether the IRC side is joined. */
  joined: boolean;
  /** The channel's member list, shared with the other sessions in it; set while joined. */
  roster?: ChannelRoster;
  topic?: string;
  topicBy?: string;
  key?: string;
  /** Ban masks (+b) seen on the channel, folded; a KICK of a member one matches is a ban (bans.ts). */
  bans?: Set<string>;
  pending?: PendingJoin;
  /** The resources were told that the occupant list is truncated. */
  truncationTold?: boolean;
}

export function newRoom(channel: string, localpart: string): Room {
  return { channel, localpart, joined: false };
}

const NO_MEMBERS: ReadonlyMap<string, Member> = new Map();

/** The members the user sees in the room (none while the IRC side is not joined). */
export function roomMembers(room: Room): ReadonlyMap<string, Member> {
  return room.roster?.members ?? NO_MEMBERS;
}

/** A member from a NAMES entry (prefixes already split off). */
export function memberFromNames(isupport: Isupport, prefixes: string, nick: string): Member {
  const modes = new Set<string>();
  for (const p of prefixes) {
    const m = isupport.prefixes.find((x) => x.prefix === p)?.mode;
    if (m) modes.add(m);
  }
  return { nick, modes };
}

/** A member as an occupant (XEP-0045 §5: the membership prefixes as role and affiliation), shown with `jid`. */
export function memberOccupant(isupport: Isupport, member: Member, jid?: string): Occupant {
  const prefixes = [...member.modes].map((m) => isupport.prefixForMode(m)).filter((p): p is string => p !== undefined);
  return { nick: member.nick, ...prefixesToMuc(prefixes), ...(jid ? { jid } : {}), ...(member.away ? { away: member.away } : {}) };
}
