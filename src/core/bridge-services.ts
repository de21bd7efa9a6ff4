/**
 * What the core gives an adapter (design.md §1): the context passed to `BridgeDefinition.create`
 * and the services on it — the durable inbound door (`deliver`), key/value and message-map
 * storage, HTTP mounts, metrics, health and user queries. Re-exported by bridge.ts, which holds
 * the adapter's side of the contract.
 */
import type { Server as HttpServer, IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { ArchiveEntry } from './archive-query.js';
import type { HistoryRequest, Inbound, UserJid } from './model.js';
import type { BridgeRooms } from './room-types.js';
import type { FormField } from './adhoc-model.js';

/** Whether the bridge can deliver right now (shown as presence of the domain and contacts). */
export interface BridgeHealth {
  canDeliver: boolean;
  /** Why not, in words for the user ("Twilio API unreachable: ECONNREFUSED"). */
  reason?: string;
}

/** A namespaced key/value store for a bridge (JSON values). */
export interface KeyValueStore {
  get<T>(key: string): T | undefined;
  set(key: string, value: unknown): void;
  delete(key: string): void;
  /** Entries whose key starts with `prefix`, in key order. */
  list<T>(prefix: string): Array<{ key: string; value: T }>;
}

/**
 * A user's secrets (a SASL password) as a bridge keeps them in its key/value store: sealed with
 * the gateway's key (AES-256-GCM, src/core/secrets.ts), bound to the kv entry and field they are
 * stored in, so `switchboard rotate-secrets` can re-seal every one of them without the bridge.
 */
export interface BridgeSecrets {
  /** Why secrets cannot be stored (no key configured): say it to the user who tries, and to the operator. */
  readonly unavailable: string | undefined;
  /** The sealed form of `plain` for field `field` of kv entry `kvKey`; throws StanzaError not-allowed without a key. */
  seal(plain: string, kvKey: string, field: string): string;
  /**
   * The plain value of what is stored in field `field` of kv entry `kvKey`. A value that is not
   * sealed (stored before there was a key) is returned as it is. Throws a SecretError for the
   * wrong key or a changed value, a StanzaError when there is no key to open it.
   */
  open(stored: string, kvKey: string, field: string): string;
  isSealed(stored: unknown): stored is string;
}

/** XMPP stanza id ⇄ network id, per user, kept across restarts (receipts, corrections, threads). */
export interface MessageMap {
  put(entry: { user: UserJid; xmppId: string; networkId: string; peer?: string; thread?: string; resource?: string }): void;
  byNetworkId(networkId: string): MessageMapEntry | undefined;
  byXmppId(user: UserJid, xmppId: string): MessageMapEntry | undefined;
}

export interface MessageMapEntry {
  user: UserJid;
  xmppId: string;
  networkId: string;
  peer?: string;
  thread?: string;
  /** The resource that sent the XMPP message: address failure reports to it. */
  resource?: string;
  createdAt: number;
}

export type HttpHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/** The gateway's HTTP server, as a bridge sees it. */
export interface BridgeHttp {
  /** Mount a handler under `/<bridge id><path>`; `path` starts with `/`. */
  mount(path: string, handler: HttpHandler): void;
  /** The public base URL of the bridge's mount (`<public_url>/<bridge id>`), when configured. */
  publicUrl?: string;
  /** The underlying server once listening (tests read its port). */
  server(): HttpServer | undefined;
}

/** How long the archive keeps a conversation's messages. */
export interface Retention {
  /** Messages kept per conversation (the oldest go first). */
  maxMessages: number;
  /** Days a message is kept; 0: until the count drops it. */
  maxDays: number;
  /**
   * The operator's defaults of the rooms' history settings (each user may change them per room
   * with the muc#owner form, and for all their rooms): whether a room is recorded (default true)
   * and how many of its messages a joining resource gets (default 20).
   */
  recordHistory?: boolean;
  maxHistoryLength?: number;
}

/** As stored and as submitted (biboumi's names): unset fields fall back to the next level. */
export interface StoredHistorySettings {
  record_history?: boolean;
  max_history_length?: number;
}

/** What applies to one room of one user. */
export interface HistoryPolicy {
  recordHistory: boolean;
  maxHistoryLength: number;
}

/**
 * The users' history settings of rooms (src/core/history-settings.ts), with biboumi's names:
 * what a bridge may do with them (`ctx.archive.settings`). `conversation` is a room's archive key.
 */
export interface BridgeHistorySettings {
  /** What applies to the room with this archive conversation. */
  effective(user: UserJid, conversation: string): HistoryPolicy;
  /** Validate submitted values (XEP-0004): only the fields sent; throws StanzaError bad-request. */
  parse(values: Record<string, string[]>): StoredHistorySettings;
  /** Merge into the room's own settings. */
  setRoom(user: UserJid, conversation: string, patch: StoredHistorySettings): void;
  /** The user's defaults for all their rooms, as stored. */
  userDefaults(user: UserJid): StoredHistorySettings;
  /** Merge into the user's defaults. */
  setUserDefaults(user: UserJid, patch: StoredHistorySettings): void;
  /** The fields of a user-defaults form (biboumi's global `configure`), with what applies now. */
  defaultFields(user: UserJid): FormField[];
}

/**
 * A bridge's side of the core's archive. `conversation` is the bridge's key of a room or a
 * private conversation (compared lower-cased), the same that its `resolve` gives as `archive`.
 */
export interface BridgeArchive {
  /** The bridge's retention (default: 1,000 messages, no age limit). */
  setRetention(retention: Retention): void;
  /**
   * Record a message (`stamp` defaults to now); `id` is the XEP-0359 stanza-id it went out with.
   * `room`: a room's message, not recorded when the user's history settings of the room say so.
   */
  append(user: UserJid, conversation: string, entry: Omit<ArchiveEntry, 'stamp'> & { stamp?: string }, options?: { room?: boolean }): void;
  /** Whether a message with this id is kept (a network's replay must not be recorded twice). */
  has(user: UserJid, conversation: string, id: string): boolean;
  /**
   * A room's join history (XEP-0045 §7.2.15) as the user's history settings allow it (none when
   * not recorded, at most max_history_length), then the `<history/>` request's limits; oldest first.
   */
  joinHistory(user: UserJid, conversation: string, request: HistoryRequest | undefined): ArchiveEntry[];
  /** The last messages: at most `limit`, then the `<history/>` request's limits; oldest first. */
  history(user: UserJid, conversation: string, limit: number, request: HistoryRequest | undefined): ArchiveEntry[];
  /**
   * XEP-0424 §6: the message `id` (archive id, or the user's own origin-id) was retracted: its
   * text is deleted and MAM and the join history serve a tombstone. `retraction`: the
   * retraction's id and time (default now). False when the message is not kept.
   */
  retract(user: UserJid, conversation: string, id: string, retraction?: { id?: string; stamp?: string }): boolean;
  /** Forget a conversation (recording turned off). */
  clear(user: UserJid, conversation: string): void;
  /**
   * The users' history settings of rooms. The core renders them in each room's muc#owner form;
   * a bridge reads them for its own forms (user defaults) and moves its earlier settings here.
   */
  readonly settings: BridgeHistorySettings;
}

/** Clock, replaceable in tests. */
export interface Clock {
  now(): number;
}

/** Options of `ctx.deliver`. */
export interface DeliverOptions {
  /** Network id of the event (Twilio MessageSid, Message-ID): a second deliver with it is a no-op. */
  dedupeKey?: string;
  /** Events with the same key are sent in order; defaults to user + sender. */
  orderingKey?: string;
  /**
   * Default true: resolve once the event is durable (committed, and with `synchronous: full` on
   * disk), for a bridge that then acknowledges its network (SMTP 250, Twilio 200). false: resolve
   * once stored in the open batch, which commits at the end of the turn, without asking for an
   * fsync of its own: for networks with nothing to acknowledge (IRC). A process crash loses
   * nothing either way; only a power loss may lose events that nobody acknowledged.
   */
  durable?: boolean;
}

/** What `ctx.deliver` reports. */
export interface DeliverResult {
  /** True when the dedupe key was already known: nothing new was stored. */
  duplicate: boolean;
}

/** Metrics a bridge may touch; the core already counts stanzas, deliveries and retries. */
export interface BridgeMetrics {
  /** Increment a labelled counter `switchboard_bridge_events_total{bridge,event}`. */
  count(event: string, n?: number): void;
  /**
   * Render the bridge's own prom-client registry on /metrics with the gateway's (metric names
   * `switchboard_<bridge>_…`). The pipeline always gives it; test doubles may leave it out.
   */
  include?(registry: Registry): void;
}

/**
 * A question a network contact asks one of the user's XMPP clients, live (not stored): sent as
 * an iq get from `from[/fromResource]` to `user/resource`.
 */
export interface UserQuery {
  user: UserJid;
  /** The client to ask (an iq to a bare JID would be answered by the server, not a client). */
  resource: string;
  /** Local part of the asking contact (IRC: `nick%network`). */
  from: string;
  fromResource?: string;
  /** XEP-0092 software version, or XEP-0199 ping. */
  query: 'version' | 'ping';
  /** Default 10 s; then the query rejects with StanzaError remote-server-timeout. */
  timeoutMs?: number;
}

/** The client's answer: its software (version), or nothing (a pong). */
export interface UserQueryAnswer {
  name?: string;
  version?: string;
  os?: string;
}

/** What the core gives an adapter. */
export interface BridgeContext {
  /** The bridge id (config key). */
  id: string;
  /** The component domain, e.g. `sms.example.org`. */
  domain: string;
  /** A child logger with `bridge` set. Log bodies at debug only; never log secrets. */
  log: Logger;
  /**
   * Commit an inbound event durably; resolves after the commit (see DeliverOptions). Events are
   * stored in the order `deliver` is called, so a bridge with nothing to acknowledge to its
   * network (IRC) need not wait for each commit before delivering the next event.
   */
  deliver(event: Inbound, options?: DeliverOptions): Promise<DeliverResult>;
  /**
   * Keep something that cannot be delivered (e.g. SMS to a number no user owns) as a dead letter
   * that admins see and can retry or discard; never drop it. Resolves once committed.
   */
  deadLetter(payload: unknown, reason: string, options?: { dedupeKey?: string }): Promise<DeliverResult>;
  /**
   * Sharded mode only (design.md §5a, src/core/handoff.ts): the network answered about a message
   * this slot's store does not know (another instance's slot sent it). Hand the event to the slot
   * that does: it gets it in `Bridge.takeHandoff`. Resolves true once committed (acknowledge the
   * network after it), rejects when it could not be stored. With `ifKnown` (network ids the
   * bridge put in `messages`), it is handed off only when another slot's message map has one of
   * them: false, and nothing handed off, when none has (the bridge handles it itself).
   */
  handOff?(kind: string, payload: Record<string, string>, options?: { ifKnown?: readonly string[] }): Promise<boolean>;
  /**
   * Ask one of the user's clients something (IRC: a CTCP VERSION or PING to the user's nick).
   * Rejects with a StanzaError: the client's error, or remote-server-timeout, or
   * recipient-unavailable while the component is offline.
   */
  queryUser(query: UserQuery): Promise<UserQueryAnswer>;
  /** Whether a user may use this bridge (the access policy of the config). */
  isAllowed(user: UserJid): boolean;
  /** Whether a user is an admin of the gateway. */
  isAdmin(user: UserJid): boolean;
  /**
   * Report whether the network can be reached: the only way a bridge tells its health (it
   * starts as able to deliver). The core keeps the last value; on a change it sends every
   * subscriber of the domain and of its contacts (bridges without presence) the new presence,
   * and shows it in /healthz and `switchboard_bridge_can_deliver`. Reporting the same value
   * again does nothing, so a bridge may call it after every attempt.
   */
  setHealth(health: BridgeHealth): void;
  kv: KeyValueStore;
  /** Per-user secrets in `kv`, sealed with the gateway's key (BridgeSecrets). */
  secrets: BridgeSecrets;
  /**
   * The core's rooms (design.md §4a, room-types.ts): a bridge with group chats reports what its
   * network says of them here, and the core renders XEP-0045 for every joined resource.
   */
  rooms: BridgeRooms;
  /**
   * The core's archive of the user's conversations (src/core/archive.ts): what a bridge records
   * here is the join history of its rooms and answers XEP-0313 on each address whose
   * `ResolvedAddress.archive` names the conversation.
   */
  archive: BridgeArchive;
  messages: MessageMap;
  http: BridgeHttp;
  metrics: BridgeMetrics;
  /** Aborted when the gateway stops. */
  signal: AbortSignal;
  clock: Clock;
}
