/**
 * Rooms belong to the core (design.md §4a): what a bridge with group chats tells the core about
 * its network's rooms (`ctx.rooms`), in the network's terms — joined, an occupant came, left, was
 * kicked, was renamed or changed, a message, the subject, the room lost or ended. The core keeps
 * the state per (bridge, user, room) — the joined resources, the user's own nick — and turns each
 * report into XEP-0045 stanzas for every joined resource: a bridge never writes a status code.
 *
 * `room` is always the room's local part on the component domain as the user addressed it.
 * Occupants are given with each report and never copied per user by the core, so a bridge that
 * shares one member list between all the users in a channel keeps memory per member, not per
 * member × user.
 */
import type { Affiliation, ChatState, HistoryRequest, ReplyRef, Role, UserJid } from './model.js';

/** An occupant as the network shows it (XEP-0045 §5: role and affiliation, mapped by the bridge). */
export interface Occupant {
  nick: string;
  role: Role;
  affiliation: Affiliation;
  /**
   * The occupant's address shown to the user in a non-anonymous room (§15.6), as a full or bare
   * JID (IRC: `nick%network@irc.example.org/user@host`). Never given for the user's own occupant:
   * the core shows each resource its own full JID.
   */
  jid?: string;
  /** Away state (IRC AWAY): shown as `show` and `status` of the occupant's presence. */
  away?: string;
}

/** A message in the join history (§7.2.15), oldest first, as the bridge archived it. */
export interface HistoryItem {
  nick: string;
  body: string;
  /** XEP-0359 stanza-id it was delivered with. */
  stanzaId: string;
  /** XEP-0203 timestamp, ISO 8601. */
  stamp: string;
  /** XEP-0461: the message answers this one. */
  replyTo?: ReplyRef;
  /** XEP-0424 §6: retracted: sent as a tombstone without its text. */
  retracted?: { stamp: string; id?: string };
}

/** What the network says of a room the user is in, at a join or a rejoin. */
export interface RoomSnapshot {
  /** The user's nick as the network gave it (status 210 when it differs from the one asked for). */
  nick: string;
  /** The user's own role and affiliation. */
  self: { role: Role; affiliation: Affiliation };
  /** The other occupants (the user's own occupant is left out by the core if listed). */
  occupants: Iterable<Occupant>;
  subject: string;
  /** Who set the subject, when that nick is an occupant. */
  subjectBy?: string;
}

export interface JoinedOptions {
  /** The joining resource. Absent: a rejoin for every resource already in the room. */
  resource?: string;
  /** The nick the resource asked for (§7.2.14: 210 when the network gave another). */
  requestedNick?: string;
  /** The history sent between the self-presence and the subject (§7.2.15), already bounded by the request. */
  history?: Iterable<HistoryItem>;
  /** A status for the self-presence (a rejoin: "Rejoined after the IRC connection was re-established."). */
  status?: string;
}

/** A message in a room, to every joined resource (or one). */
export interface RoomMessage {
  /** The occupant who said it; absent for the room itself (server notices, mode changes). */
  nick?: string;
  body: string;
  /** XEP-0359 stanza-id by the room (the network's msgid, or a fresh id the bridge archived). */
  stanzaId?: string;
  /** XEP-0203 delay, ISO 8601 (history, network replays). */
  delay?: string;
  /** Reflection of the user's own message (§7.4): the sender's id, origin-id, and a correction's target. */
  id?: string;
  originId?: string;
  replaces?: string;
  /** XEP-0461: the message answers this one (its id as the room gave it: the stanza-id). */
  replyTo?: ReplyRef;
  /** Only to this resource. */
  toResource?: string;
  /** The network's id of the message: per resource, a second report with it is not delivered again. */
  dedupeKey?: string;
}

/**
 * What an occupant did in the room besides a message (issue 12), by the ids the room gave
 * (stanza-ids): XEP-0424 retraction of their own message, XEP-0444 their whole current set of
 * reactions to a message, XEP-0085 their chat state (not archived).
 */
export type RoomAction =
  | { kind: 'retraction'; retracts: string; stanzaId?: string }
  | { kind: 'reaction'; reactsTo: string; emojis: string[]; stanzaId?: string }
  | { kind: 'chatstate'; state: ChatState };

/** How an occupant left. */
export interface LeaveOptions {
  /** The part or quit message. */
  status?: string;
  /** Kicked (status 307, §8.2) by this nick, with this reason; `banned`: banned as well (301, §9.1: affiliation outcast). */
  kick?: { actor: string; reason?: string; banned?: boolean };
}

/** The core's rooms as a bridge sees them (`ctx.rooms`). Every method delivers in call order. */
export interface BridgeRooms {
  /**
   * The network confirmed a join: the §7.2 order (occupants, self-presence with 110/100 and 210,
   * history, subject) to the joining resource, which is then in the room; without a resource, a
   * rejoin: the same to every resource in the room (after a reconnect or a gateway restart).
   */
  joined(user: UserJid, room: string, snapshot: RoomSnapshot, options: JoinedOptions): Promise<void>;
  /** An occupant came in (§7.2.3); the user's own nick is ignored (the join reports it). */
  occupantJoined(user: UserJid, room: string, occupant: Occupant): Promise<void>;
  /** An occupant's role, affiliation or away state changed (§9.6, the user's own included: 110). */
  occupantChanged(user: UserJid, room: string, occupant: Occupant): Promise<void>;
  /**
   * An occupant left or was kicked (§7.14, 307). When it is the user, the room ends for every
   * resource (110) and the core forgets it.
   */
  occupantLeft(user: UserJid, room: string, occupant: Occupant, options?: LeaveOptions): Promise<void>;
  /** An occupant changed nick (§7.6: the 303 pair); the user's own new nick when `occupant.nick` was theirs. */
  occupantRenamed(user: UserJid, room: string, occupant: Occupant, newNick: string): Promise<void>;
  /** A message in the room. */
  message(user: UserJid, room: string, message: RoomMessage): Promise<void>;
  /** An occupant's retraction, reactions or chat state (`RoomAction`), to every joined resource. */
  action(user: UserJid, room: string, nick: string, action: RoomAction): Promise<void>;
  /** The subject changed (§8.1), by `by` when the network says who. */
  subject(user: UserJid, room: string, subject: string, by?: string): Promise<void>;
  /**
   * The network side of the room is gone for now (connection lost): every other occupant leaves
   * each resource's view, and each resource gets its self-presence with `status`. The resources
   * stay in the room, awaiting `joined` without a resource.
   */
  lost(user: UserJid, room: string, occupants: Iterable<Occupant>, status: string): Promise<void>;
  /** The room ends for good (banned, could not rejoin, the user quit): 110 + 332 to every resource. */
  ended(user: UserJid, room: string, status: string): Promise<void>;
  /** The user's resources in the room (empty when none). */
  resources(user: UserJid, room: string): ReadonlySet<string>;
  /** Whether the user's own nick in the room is `nick` (exactly as the core knows it). */
  nick(user: UserJid, room: string): string | undefined;
}

/** A room of a user the core keeps across restarts (design.md §4a: a restart is invisible). */
export interface StoredRoom {
  user: UserJid;
  room: string;
  nick: string;
  resources: string[];
}

export type { HistoryRequest };
