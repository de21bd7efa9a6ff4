/**
 * XMPP → IRC room membership: join (XEP-0045 §7.2), leave (§7.14) with persistent channels and
 * client error bounces (§9.3 "service removes user"), nick change (§7.6), and the rejoin of
 * persistent channels at gateway start. The core keeps the resources in each room (ctx.rooms): a
 * leave reaches here only for the user's last resource, and a failure is thrown (the core answers).
 */
import { RetryableError, StanzaError } from '../../src/core/errors.js';
import type { Outbound } from '../../src/core/model.js';
import type { SendResult } from '../../src/core/bridge.js';
import { isValidNick } from './address.js';
import { IrcConnectError } from './client/connection.js';
import { nickRefused } from './refusal-conditions.js';
import { newRoom, type Room } from './room.js';
import type { SessionView } from './session-port.js';
import type { SessionRooms } from './session-rooms.js';

type Ev<K extends Outbound['kind']> = Extract<Outbound, { kind: K }>;

const REPLY_TIMEOUT_MS = 10_000;

/** The status of a leave that the core made from a client's error bounce (receiver.ts onBounce). */
const BOUNCE_STATUS = 'error';

/** The session as room membership sees it: also its rooms. */
export interface MembershipSession extends SessionView {
  readonly rooms: SessionRooms;
}

/** A session's room membership requests (created with the session, session-requests.ts). */
export class RoomMembership {
  constructor(private readonly s: MembershipSession) {}

  async join(ev: Ev<'join'> | Ev<'nick'>, channel: string, joinTimeoutMs: number): Promise<void> {
    const rejoin = ev.kind === 'join' && ev.rejoin === true;
    const resource = rejoin ? undefined : (ev.resource ?? '');
    const password = ev.kind === 'join' ? ev.password : undefined;
    const history = ev.kind === 'join' ? ev.history : undefined;
    if (!isValidNick(ev.nick)) return this.failJoin('jid-malformed', `"${ev.nick.replace(/[\r\n\0]/g, ' ')}" is not a valid IRC nick.`);
    let existing = this.s.room(channel);
    // A rejoin in progress (reconnect, persistent channel at start): wait for it, then share it.
    if (existing?.pending?.resource === '' && existing.pending.done) {
      await existing.pending.done.catch(() => undefined);
      existing = this.s.room(channel);
    }
    if (existing?.joined) {
      // The core's rejoin after a restart found the channel rejoined already (a persistent channel).
      if (resource === undefined) return;
      // XEP-0045 §7.2.1: a join from a joined resource means it lost sync: send the state again.
      await this.s.rooms.tellJoined(existing, resource, ev.nick, history);
      return;
    }
    try {
      await this.s.ensureConnected(ev.nick);
    } catch (err) {
      // While the connection is being re-established the join waits in the outbox and is retried.
      if (err instanceof IrcConnectError && this.s.reconnecting) throw new RetryableError(err.message, { cause: err, retryAfterMs: 2000 });
      if (err instanceof IrcConnectError) return this.failJoin(err.condition, err.message, err);
      throw err;
    }
    const room: Room = existing ?? newRoom(channel, ev.to);
    if (password) room.key = password;
    this.s.rooms.set(this.s.fold(channel), room);
    const done = this.startJoin(room, resource ?? '', ev.nick, history);
    const timeout = setTimeout(
      () => room.pending?.reject(new StanzaError('remote-server-timeout', `No answer from IRC to the JOIN of ${channel}.`)),
      joinTimeoutMs,
    );
    try {
      await this.s.sendLine('JOIN', room.key ? [channel, room.key] : [channel]);
      await done;
    } catch (err) {
      if (!room.joined) this.s.rooms.delete(this.s.fold(channel));
      room.pending = undefined;
      if (err instanceof StanzaError) return this.failJoin(err.condition, err.message, err);
      throw new RetryableError('The IRC connection was lost during the join.', { cause: err });
    } finally {
      clearTimeout(timeout);
    }
  }

  private startJoin(room: Room, resource: string, requestedNick: string, history: Ev<'join'>['history']): Promise<void> {
    let resolve!: () => void;
    let reject!: (err: Error) => void;
    const done = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
    room.pending = { resource, requestedNick, names: new Map(), resolve, reject, done, ...(history ? { history } : {}) };
    return done;
  }

  /** A persistent channel at gateway start: JOIN with no resource in the room yet. */
  async rejoinPersistent(channel: string, localpart: string, nick: string, joinTimeoutMs: number): Promise<void> {
    await this.s.ensureConnected(nick);
    if (this.s.room(channel)) return;
    const room = newRoom(channel, localpart);
    this.s.rooms.set(this.s.fold(channel), room);
    const done = this.startJoin(room, '', this.s.nick, undefined);
    const timeout = setTimeout(
      () => room.pending?.reject(new StanzaError('remote-server-timeout', `No answer from IRC to the JOIN of ${channel}.`)),
      joinTimeoutMs,
    );
    try {
      await this.s.sendLine('JOIN', [channel]);
      await done;
    } catch (err) {
      if (!room.joined) this.s.rooms.delete(this.s.fold(channel));
      throw err;
    } finally {
      clearTimeout(timeout);
    }
  }

  /** A join the network refused: the core answers it (XEP-0045 §7.2 errors); a session left with no channel QUITs. */
  private failJoin(condition: StanzaError['condition'], text: string, cause?: unknown): never {
    if (this.s.rooms.size === 0) this.s.quit('Switchboard: no channel left');
    throw new StanzaError(condition, text, cause ? { cause } : undefined);
  }

  /**
   * The user's last resource leaves (unavailable presence, going offline, or an error bounce): PART,
   * but not from a persistent channel, where the connection stays, archiving (the status says so).
   */
  async leave(ev: Ev<'leave'>, channel: string): Promise<SendResult> {
    const room = this.s.room(channel);
    if (!room) return {}; // XEP-0045: nothing to leave, nothing to say
    if (this.s.deps.channels.effective(this.s.user, this.s.deps.networkName, room.channel).persistent)
      return { status: 'The channel is persistent: your IRC connection stays in it.' };
    const partMessage = ev.status === BOUNCE_STATUS ? undefined : ev.status;
    if (this.s.connected && room.joined) {
      const parted = this.s.awaitEvent(
        (e) => (e.type === 'part' && this.s.isSelf(e.source.nick) && this.s.fold(e.channel) === this.s.fold(channel) ? true : undefined),
        REPLY_TIMEOUT_MS,
        () => new Error('no PART echo'),
      );
      await this.s.sendLine('PART', partMessage ? [channel, partMessage] : [channel]);
      await parted.catch(() => undefined);
    }
    this.s.rooms.delete(this.s.fold(channel));
    if (this.s.rooms.size === 0) this.s.quit(partMessage ?? 'Switchboard: left every channel');
    return {};
  }

  /** Leave the IRC side of a room no resource is in (a channel made non-persistent). */
  async partEmptyRoom(channel: string): Promise<void> {
    const room = this.s.room(channel);
    if (!room || this.s.rooms.resources(room).size > 0) return;
    this.s.rooms.delete(this.s.fold(channel));
    if (this.s.connected && room.joined) await this.s.sendLine('PART', [channel]);
    if (this.s.rooms.size === 0) this.s.quit('Switchboard: left every channel');
  }

  /** §7.6: NICK; the server's NICK line reports the change (irc-handlers.ts), a refusal is thrown (the core answers from room/newnick). */
  async changeNick(ev: Ev<'nick'>, channel: string, joinTimeoutMs: number): Promise<void> {
    const room = this.s.room(channel);
    if (!room || !this.s.rooms.resources(room).has(ev.resource ?? '')) return this.join(ev, channel, joinTimeoutMs);
    if (this.s.isSelf(ev.nick) && this.s.nick === ev.nick) return;
    if (!this.s.connected) throw new RetryableError('The IRC connection is not established yet.', { retryAfterMs: 2000 });
    const done = this.s.awaitEvent(
      // Our NICK confirmed, or refused (refusal-conditions.ts: not-acceptable or conflict).
      (e) => (e.type === 'nick' && this.s.isSelf(e.newNick) ? true : nickRefused(e, ev.nick)),
      REPLY_TIMEOUT_MS,
      () => new StanzaError('remote-server-timeout', 'The IRC server did not answer the nick change.'),
    );
    await this.s.sendLine('NICK', [ev.nick]);
    await done;
  }
}
