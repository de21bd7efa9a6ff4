/**
 * The join state of a session's rooms, by folded channel name: the shared member list held while
 * the channel is joined, a JOIN completed (RFC 2812 §3.2.1: NAMES then 366) or refused, the rejoin
 * after a reconnect, and the channel's state told to the core's rooms (ctx.rooms, design.md §4a),
 * which send it in the XEP-0045 §7.2 order (occupants, join history, subject).
 */
import { RetryableError, StanzaError } from '../../src/core/errors.js';
import type { HistoryRequest } from '../../src/core/model.js';
import type { HistoryItem, Occupant, RoomSnapshot } from '../../src/core/room-types.js';
import type { JoinRefusal } from './client/events.js';
import type { Member } from './member.js';
import { memberFromNames, memberOccupant, roomMembers, type Room } from './room.js';
import type { ChannelRoster, RosterRegistry } from './roster.js';
import type { ChannelHistory } from './chathistory.js';
import type { SessionView } from './session-port.js';
import { JOIN_REFUSAL_CONDITIONS } from './refusal-conditions.js';

/** The session as its rooms see it: also the chathistory fetch after a rejoin. */
export interface RoomsSession extends SessionView {
  readonly history: Pick<ChannelHistory, 'fetchMissed'>;
}

/**
 * A room holds its channel's shared roster while the IRC side is joined; removing the room (or
 * losing the connection: `detach`) lets go of it. The rest of the rooms' state is SessionRooms'.
 */
export class RoomJoins extends Map<string, Room> {
  constructor(
    private readonly rosters: RosterRegistry,
    protected readonly s: RoomsSession,
  ) {
    super();
  }

  /** The user's resources in a room (the core keeps them). */
  resources(room: Room): ReadonlySet<string> {
    return this.s.xmppRooms.resources(this.s.user, room.localpart);
  }

  /** The room `resource` is in, joined on IRC: what an XMPP → IRC action in a room needs. */
  participant(channel: string, resource: string | undefined): Room {
    const room = this.s.room(channel);
    if (!room || !this.resources(room).has(resource ?? '')) throw new StanzaError('not-acceptable', 'You are not a participant in this room.');
    if (!room.joined) throw new RetryableError('The channel is being rejoined.', { retryAfterMs: 2000 });
    return room;
  }

  /** A member as the core's occupant: roles from its modes, its real JID (biboumi: `nick%net@domain/user@host`) unless it is the user. */
  occupant(m: Member): Occupant {
    const isupport = this.s.conn!.isupport;
    if (this.s.isSelf(m.nick)) return memberOccupant(isupport, m, undefined);
    const bare = `${this.s.contactLocalpart(m.nick)}@${this.s.ctx.domain}`;
    return memberOccupant(isupport, m, m.user && m.host ? `${bare}/${m.user}@${m.host}` : bare);
  }

  /** The IRC side is joined: share the channel's member list. */
  attach(key: string, room: Room): ChannelRoster {
    room.roster ??= this.rosters.acquire(key, this.s);
    return room.roster;
  }

  detach(key: string, room: Room): void {
    if (!room.roster) return;
    this.rosters.release(key, this.s);
    delete room.roster;
  }

  override delete(key: string): boolean {
    const room = this.get(key);
    if (room) this.detach(key, room);
    return super.delete(key);
  }

  override clear(): void {
    for (const [key, room] of this) this.detach(key, room);
    super.clear();
  }

  /** JOIN every room again after a reconnect; NAMES + 366 complete each for every resource (`finishJoin`). */
  rejoinAll(): void {
    const s = this.s;
    for (const room of this.values()) {
      let resolve!: () => void;
      let reject!: (err: Error) => void;
      const done = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
      room.pending = { resource: '', requestedNick: s.nick, names: new Map(), resolve, reject, done };
      done.catch((err: Error) => s.ctx.log.warn({ event: 'rejoin-failed', channel: room.channel, err: err.message }, 'rejoin failed'));
      void s.sendLine('JOIN', room.key ? [room.channel, room.key] : [room.channel]).catch(() => undefined);
    }
  }

  /** RPL_NAMREPLY (353) during a join; at most `bounds.channel_members` are kept (an endless NAMES cannot grow memory). */
  names(channel: string, entries: readonly string[]): void {
    const s = this.s;
    const pending = s.room(channel)?.pending;
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
  async tellTruncated(room: Room, only?: string): Promise<void> {
    if (!only && room.truncationTold) return;
    if (!only) room.truncationTold = true;
    const cap = this.s.deps.config.bounds.channel_members;
    const body = `The occupant list of ${room.channel} is truncated: only ${cap} members are shown (bounds.channel_members).`;
    await this.s.xmppRooms.message(this.s.user, room.localpart, { body, ...(only !== undefined ? { toResource: only } : {}) });
  }

  /** RPL_ENDOFNAMES (366) of a join of ours: the channel is joined, and the core is told. */
  async finishJoin(room: Room): Promise<void> {
    const s = this.s;
    const pending = room.pending!;
    room.pending = undefined;
    // NAMES is the channel as the server has it now: it resets the list shared with other sessions.
    const roster = this.attach(s.fold(room.channel), room);
    roster.replace(pending.names, !!pending.truncated);
    room.joined = true;
    if (!roster.whoAsked) {
      // NAMES has no away state: one WHO per list (RPL_WHOREPLY flags H here / G gone, RFC 2812
      // §4.2.2 and §5.1), by the first session; later joiners read it from the shared list.
      roster.whoAsked = true;
      void s.sendLine('WHO', [room.channel]).catch(() => undefined);
    }
    const rejoin = pending.resource === '';
    await this.tellJoined(room, rejoin ? undefined : pending.resource, pending.requestedNick, rejoin ? undefined : pending.history);
    if (roster.truncated) {
      if (rejoin) room.truncationTold = false;
      await this.tellTruncated(room, rejoin ? undefined : pending.resource);
    }
    // IRCv3 chathistory: a rejoin asks for what the channel missed meanwhile (chathistory.ts).
    if (rejoin) s.history.fetchMissed(room);
    // Remembered for the rejoin of persistent channels at gateway start.
    s.deps.channels.update(s.user, s.deps.networkName, room.channel, { localpart: room.localpart, nick: s.nick });
    pending.resolve();
  }

  /** The server refused a JOIN of ours (`reason`, `message`): a refused rejoin ends the room; a new join is forgotten unless a resource is in it. */
  async joinRefused(room: Room, reason: JoinRefusal, message: string): Promise<void> {
    const s = this.s;
    const err = new StanzaError(JOIN_REFUSAL_CONDITIONS[reason], message);
    const pending = room.pending!;
    room.pending = undefined;
    if (pending.resource === '') {
      // A rejoin after a reconnect was refused (banned meanwhile, key changed): the room ends.
      this.delete(s.fold(room.channel));
      await s.xmppRooms.ended(s.user, room.localpart, `Could not rejoin: ${err.message}`);
    } else if (!room.joined && this.resources(room).size === 0) this.delete(s.fold(room.channel));
    pending.reject(err);
  }

  /**
   * The channel's state to the core: to `resource` joining (or re-sent after a lost
   * synchronization, XEP-0045 §7.2.1), or, without one, a rejoin for every resource in the room.
   */
  async tellJoined(room: Room, resource: string | undefined, requestedNick: string, history: HistoryRequest | undefined): Promise<void> {
    const items: HistoryItem[] = resource === undefined ? [] : this.s.archive.historyOf(room, history);
    await this.s.xmppRooms.joined(this.s.user, room.localpart, this.snapshotOf(room), {
      requestedNick,
      ...(resource !== undefined ? { resource, history: items } : { status: 'Rejoined after the IRC connection was re-established.' }),
    });
  }

  private snapshotOf(room: Room): RoomSnapshot {
    const s = this.s;
    const self: Member = room.roster?.get(s.fold(s.nick)) ?? { nick: s.nick, modes: new Set<string>() };
    const { role, affiliation } = memberOccupant(s.conn!.isupport, self);
    const members = roomMembers(room);
    const occupants = [...members.values()].filter((m) => !s.isSelf(m.nick)).map((m) => this.occupant(m));
    const setter = room.topicBy !== undefined ? members.get(s.fold(room.topicBy))?.nick : undefined;
    return { nick: s.nick, self: { role, affiliation }, occupants, subject: room.topic ?? '', ...(setter ? { subjectBy: setter } : {}) };
  }
}
