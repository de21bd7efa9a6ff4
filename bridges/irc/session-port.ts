/**
 * The session as the request objects that need no more see it (session-requests.ts: bans, CTCP,
 * NickServ regain, the reflection gate, the channel list): the session's methods they call and the
 * configuration they read, nothing of its state. IrcSession satisfies it structurally; these
 * objects import this file instead of session.ts, so the session owns them without an import
 * cycle, typed or not (design.md §4b, issue 11).
 */
import type { BridgeContext } from '../../src/core/bridge.js';
import type { UserJid } from '../../src/core/model.js';
import type { Answer, EventMatch } from './client/event-waiters.js';
import type { IrcConnection } from './client/connection.js';
import type { Abortable } from './client/throttle.js';
import type { IrcConfig, NetworkConfig } from './config.js';
import type { Room } from './room.js';

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
