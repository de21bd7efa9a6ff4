/**
 * The session as the objects it owns see it, in two layers, so that the session owns them without
 * an import cycle, typed or not (design.md §4b, issue 11). IrcSession implements both; the objects
 * import this file (types only), never session.ts.
 *
 * - `SessionPort`: what the request objects that need no more see (session-requests.ts: bans,
 *   CTCP, NickServ regain, the reflection gate, the channel list): the session's methods they call
 *   and the configuration they read, nothing of its state.
 * - `SessionView`: what every object the session owns may use: its state read through getters, its
 *   dependencies, and the leaf objects it owns (archive, echoes, typing, send queue). An object that
 *   also needs another owned object that holds the session (rooms, history, outgoing messages, the
 *   inbound handlers, requests) declares that in its own role interface next to it, extending this
 *   one (e.g. `RoomsSession` in join-state.ts), so these modules never import what imports them.
 */
import type { BridgeContext } from '../../src/core/bridge.js';
import type { Inbound, UserJid } from '../../src/core/model.js';
import type { BridgeRooms } from '../../src/core/room-types.js';
import type { Answer, EventMatch } from './client/event-waiters.js';
import type { IrcConnection } from './client/connection.js';
import type { EchoTracker } from './client/echo.js';
import type { Abortable, ThrottledQueue } from './client/throttle.js';
import type { IrcConfig, NetworkConfig } from './config.js';
import type { Room } from './room.js';
import type { SessionArchive } from './room-history.js';
import type { SessionDeps } from './session-deps.js';
import type { TypingOut } from './typing.js';

export interface SessionPort {
  readonly user: UserJid;
  readonly ctx: BridgeContext;
  /** What the requests read of the session's dependencies (session-deps.ts). */
  readonly deps: {
    readonly config: IrcConfig;
    readonly net: NetworkConfig;
    readonly networkName: string;
    readonly networkAddr: string;
    readonly fixed: boolean;
  };
  /** The current connection, compared by identity only (a request outlived by a reconnect stops). */
  readonly conn: IrcConnection | undefined;
  readonly rooms: { values(): Iterable<Room>; resources(room: Room): ReadonlySet<string> };
  fold(name: string): string;
  contactLocalpart(nick: string): string;
  notify(text: string): Promise<void>;
  sendLine(command: string, params: readonly string[], tags?: Record<string, string>, attempt?: Abortable): Promise<void>;
  awaitEvent<T>(match: EventMatch<T>, timeoutMs: number, onTimeout: () => Error): Promise<Answer<T>>;
}

export interface SessionView extends SessionPort {
  readonly deps: SessionDeps;
  /** The current connection: these objects also read its ISUPPORT, capabilities, user and host. */
  readonly conn: IrcConnection | undefined;
  /** The nick on IRC (the desired one while not registered). */
  readonly nick: string;
  /** The nick the next connection asks for. */
  readonly desiredNick: string;
  readonly connected: boolean;
  readonly reconnecting: boolean;
  readonly echoMessage: boolean;
  readonly xmppRooms: BridgeRooms;
  readonly archive: SessionArchive;
  readonly echoes: EchoTracker;
  readonly typing: TypingOut;
  readonly queue: ThrottledQueue;
  isSelf(nick: string): boolean;
  room(channel: string): Room | undefined;
  deliver(event: Inbound, dedupeKey?: string): Promise<void>;
  ensureConnected(nick: string): Promise<void>;
  quit(message: string): void;
  userQuit(message: string): Promise<void>;
}
