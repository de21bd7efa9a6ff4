/**
 * The bridge contract: what `bridges/<id>/index.ts` exports (the adapter side; what the core gives it
 * is in bridge-services.ts, re-exported here).
 * This file is what bridge authors read; every member is documented.
 *
 * Life of a message:
 *  - XMPP → network: the XMPP layer turns a stanza into an `Outbound` event, the outbox stores
 *    it durably, and a worker calls `Bridge.send(event, { signal })` (one at a time per conversation).
 *    `send` resolves when the network accepted it, throws `RetryableError` for a transient failure
 *    (retried with backoff) or `StanzaError` for a permanent one (the user gets an error stanza
 *    carrying the original stanza id). Anything else is a bug: logged, reported as
 *    internal-server-error, not retried.
 *  - network → XMPP: the adapter calls `ctx.deliver(event, { dedupeKey })`; it resolves once the
 *    event is committed to the store, so the adapter may then acknowledge its network
 *    (SMTP 250, Twilio 200). The outbox sends it to the user as soon as the component is online.
 */
import type { ZodType } from 'zod';
import type { Affiliation, Inbound, Outbound, UserJid } from './model.js';
import type { AdhocCommand, FormField } from './adhoc-model.js';
import type { ItemsPage, PageRequest } from './hook-types.js';
import type { BridgeContext } from './bridge-services.js';
import type { ReactionLimits } from './features.js';

export { RetryableError, StanzaError } from './errors.js';
export type {
  BridgeArchive,
  BridgeContext,
  BridgeHealth,
  BridgeHistorySettings,
  BridgeHttp,
  BridgeMetrics,
  BridgeSecrets,
  Clock,
  DeliverOptions,
  DeliverResult,
  HistoryPolicy,
  HttpHandler,
  KeyValueStore,
  MessageMap,
  MessageMapEntry,
  Retention,
  StoredHistorySettings,
  UserQuery,
  UserQueryAnswer,
} from './bridge-services.js';
export { FEATURES, type ReactionLimits } from './features.js';
export type { ArchivedMessage, ArchivePage, ArchiveQuery, ItemsPage, PageRequest, RoomInfo, UserPresence } from './hook-types.js';

/** XEP-0030 identity of a bridge's component domain (category is always `gateway`). */
export interface BridgeIdentity {
  /** XEP-0030 registry type: `irc`, `sms`, `smtp`, … */
  type: string;
  /** Human-readable name shown by clients' service discovery. */
  name: string;
}

/**
 * What a bridge module exports. Built-in bridges are listed in `bridges/index.ts`; a config
 * entry may also name a module (`module: ./my-bridge.js` or an npm package) that exports
 * `bridge` (or `default`) of this type.
 */
export interface BridgeDefinition<C = unknown> {
  /** Stable identifier: config key under `bridges:`, HTTP mount prefix `/<id>/`, store namespace. */
  id: string;
  identity: BridgeIdentity;
  /**
   * zod schema of the bridge's own options (the part under `bridges.<id>.options`). Use
   * `z.strictObject` with defaults in the schema: a typo must be an error.
   */
  configSchema: ZodType<C>;
  /**
   * Whether the network has presence of its own. When false (SMS, email), the core answers
   * presence for every contact from the bridge's health: available while it can deliver,
   * unavailable with the reason when it cannot.
   */
  hasPresence: boolean;
  /** XEP-0030 identity of the bridge's contacts (default `client`/`pc`; SMS uses `client`/`sms`). */
  contactIdentity?: { category: string; type: string };
  /** Build the adapter. Must not do I/O: that belongs in `start()`. */
  create(ctx: BridgeContext, config: C): Bridge;
}

/**
 * The bridges a gateway can load by id, each imported only when the config enables it. The CLI
 * composes it (bridges/index.ts) and passes it in: src/ never imports bridges/.
 */
export type BridgeRegistry = Readonly<Record<string, () => Promise<BridgeDefinition>>>;

export type AddressKind = 'service' | 'contact' | 'room';

/** What a local part on the component domain denotes, as the XMPP layer needs to know it. */
export interface ResolvedAddress {
  kind: AddressKind;
  /** The canonical local part (e.g. normalised phone number); the XMPP layer replies from it. */
  localpart: string;
  /** A display name for disco and rosters. */
  name?: string;
  /**
   * The conversation's key in the core's archive (`ctx.archive`), when the address has one: the
   * core answers XEP-0313 on it and advertises `urn:xmpp:mam:2`. The same for every spelling of
   * the address (IRC: the network's name and the channel or nick, lower-cased).
   */
  archive?: string;
  /**
   * What the address carries, advertised in its disco#info (IRC rooms: `muc_nonanonymous`,
   * `urn:xmpp:sid:0`). Use the names in `FEATURES` (core/features.ts) for what modern clients
   * send: receipts only where the bridge reports delivery, `chatStates` only where the network
   * shows typing (the core drops chat states before the outbox for an address without it),
   * `retract`, `reactions`, `reply`, `styling` where the network carries them.
   */
  features?: string[];
  /** XEP-0444 §2.2: the network's limits on reactions here, when it has `reactions` with limits. */
  reactions?: ReactionLimits;
}

/** One entry of a room's affiliation list (XEP-0045 §9.5 ban list, §9.8 member list). */
export interface AffiliationEntry {
  /** The JID the entry is about (IRC: a ban mask escaped as a local part on the domain). */
  jid: string;
  affiliation: Affiliation;
  /** The entry's nick, when it has one. */
  nick?: string;
  reason?: string;
}

/** What `send` reports on success. */
export interface SendResult {
  /** The network's id of what was sent (Twilio SID, Message-ID, IRC msgid); kept in message_map. */
  networkId?: string;
  /**
   * For a `leave`: words for the user on the outcome, shown as the status of their unavailable
   * self-presence (IRC: "The channel is persistent: your IRC connection stays in it.").
   */
  status?: string;
}

/** What the outbox tells one `send` attempt. */
export interface SendOptions {
  /**
   * Aborted when the attempt's deadline passes (`core.outbox.attempt_timeout_ms`, design.md §5):
   * the core has already counted the attempt as a retryable failure and will ignore its result.
   * A bridge stops the work it can still stop (closes the stuck connection, aborts the HTTP
   * request, drops a line still queued behind flood control) so that a late success does not
   * duplicate the retry. Absent when the caller has no deadline.
   */
  signal?: AbortSignal;
  /**
   * Whether the deadline has passed (what `signal.aborted` would say). The core makes `signal` on
   * first read, and an AbortSignal costs about as much as a message's other work on Node 20: a
   * bridge that needs the signal only when it has to wait reads this first and `signal` then.
   */
  readonly expired?: boolean;
  /**
   * The same for every attempt of one outbox item, a retry after a crash included (fixed when the
   * item is enqueued, unique across items): a bridge derives the network's idempotency key or
   * message id from it (email: the Message-ID) so that a redelivered copy can be recognised.
   */
  itemId?: string;
}

/**
 * The adapter: four required members (start, stop, send, resolve) and eight optional ones, each
 * for something a network may have (commands, a XEP-0100 prompt, item listing, room
 * configuration, contact version and ping, dead-letter retry and reports). Rooms (XEP-0045
 * presences, self-ping, room info) and the archive (join history, XEP-0313) are the core's: a
 * bridge reports to `ctx.rooms` and records to `ctx.archive`, and `resolve` names an address's
 * archive and disco features. Every failure is thrown (`StanzaError`, `RetryableError`) and
 * answered by the core.
 */
export interface Bridge {
  /** Connect to the network or start listeners. Throwing here aborts start-up with the message. */
  start(): Promise<void>;
  /** Graceful stop: QUIT IRC, close SMTP. In-flight `send`s may still finish. */
  stop(): Promise<void>;
  /**
   * Deliver one outbound event to the network. Called by the outbox worker only: it is the one
   * door into the bridge (design.md §1.6). Messages, room joins/leaves/nick changes and, for
   * bridges with `hasPresence`, the user's own presence (kind `presence`) all come through it,
   * in order per conversation; no other member may make the bridge act on its network.
   * `options.signal` aborts a hung attempt (see `SendOptions`).
   */
  send(event: Outbound, options?: SendOptions): Promise<SendResult>;
  /**
   * Map a local part of the component domain to what it denotes. Pure. `''` is the domain itself.
   * Throws `StanzaError('jid-malformed')` for an invalid address, `'item-not-found'` for an
   * unknown network.
   */
  resolve(localpart: string): ResolvedAddress;
  /** Ad-hoc commands (XEP-0050) the bridge adds on its domain or on some of its JIDs. */
  commands?: AdhocCommand[];
  /** XEP-0100 `jabber:iq:gateway`: the prompt, and the mapping of what the user typed. */
  gateway?: {
    desc: string;
    prompt: string;
    /** Turn the typed address into a local part; throw StanzaError for an invalid one. */
    toLocalpart(typed: string): string;
  };
  /** disco#items on a JID of the domain (IRC: channel list on the network JID). */
  listItems?(user: UserJid, localpart: string, page: PageRequest): Promise<ItemsPage>;
  /**
   * XEP-0045 §10 muc#owner: the fields a bridge adds to a room's configuration form. The core
   * renders the form (src/core/room-config.ts) with its own history settings of the room
   * (record_history, max_history_length, stored with the core's archive) and these fields after
   * FORM_TYPE (IRC: persistent, whether the channel stays joined without a resource in it).
   */
  roomConfig?: {
    /** The bridge's own fields of the room's form, with their current values. */
    fields?(user: UserJid, room: string): Promise<FormField[]>;
    /**
     * A submitted form (every field the client sent, the core's included: read only your own).
     * Apply your fields, or throw StanzaError bad-request for a wrong value: the core then
     * changes nothing either.
     */
    submit?(user: UserJid, room: string, values: Record<string, string[]>): Promise<void>;
    /**
     * XEP-0045 §9.5 (the ban list) and kin: the room's entries with this affiliation, as the
     * network keeps them (IRC: the +b masks, each as a JID on the domain). Absent or throwing
     * feature-not-implemented: the list cannot be read there.
     */
    affiliations?(user: UserJid, room: string, affiliation: Affiliation): Promise<AffiliationEntry[]>;
  };
  /** What a contact's network can be asked directly (IRC: CTCP), for IQs addressed to the contact's JID. */
  askContact?: {
    /** XEP-0092 software version of a contact, asked on its network (IRC: CTCP VERSION). */
    version(user: UserJid, localpart: string): Promise<{ name: string; version?: string; os?: string }>;
    /** XEP-0199 ping of a contact on its network (IRC: CTCP PING); throw StanzaError when it fails. */
    ping(user: UserJid, localpart: string): Promise<void>;
  };
  /**
   * An admin asked to retry a dead letter that this bridge created with `ctx.deadLetter`
   * (e.g. an SMS to a number that is now assigned). Deliver it now, or throw to keep it dead.
   */
  retryDeadLetter?(payload: unknown): Promise<void>;
  /**
   * An inbound event could not be delivered to the user: the XMPP server bounced it (no such
   * account, user offline without offline storage) or it ran out of attempts. It is a dead
   * letter admins see (and can retry); here the bridge tells its network, e.g. email sends a
   * DSN (RFC 3464) to the envelope sender. Called by the outbox (an `out` item of the bridge,
   * stored with the dead letter, design.md §1.6): throw RetryableError when the network cannot be
   * reached (retried with the backoff, a dead letter of its own after the attempts), StanzaError
   * when it refuses (logged). Either way the inbound dead letter stays. `options.signal` aborts
   * an attempt past its deadline, as for `send`.
   */
  inboundDead?(event: Inbound, reason: string, options?: SendOptions): Promise<void>;
  /**
   * Sharded mode (src/core/handoff.ts): an event another slot handed off with `ctx.handOff`.
   * Apply it and answer true when this slot's state knows its message; answer false to leave it
   * to the slot that does. Offered again after a crash before its removal: applying twice must
   * change nothing. Throwing leaves it for the next poll.
   */
  takeHandoff?(kind: string, payload: Readonly<Record<string, string>>): Promise<boolean>;
}
