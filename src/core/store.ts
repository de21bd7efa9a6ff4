/**
 * The store interface: small on purpose, so that a PostgreSQL store can follow without touching
 * bridges (design.md §5). `store-sqlite.ts` is the implementation in use.
 */
import type { KeyValueStore, MessageMap } from './bridge.js';
import type { HandoffQueue } from './handoff.js';

export type Direction = 'in' | 'out';
export type OutboxState = 'pending' | 'done' | 'dead';

export interface OutboxRow {
  id: number;
  direction: Direction;
  bridge: string;
  user: string;
  /** Ordering key: one in-flight item per key. */
  okey: string;
  dedupe: string | null;
  /** JSON of the event. */
  payload: string;
  state: OutboxState;
  attempts: number;
  nextAt: number;
  createdAt: number;
  lastError: string | null;
}

export interface EnqueueItem {
  direction: Direction;
  bridge: string;
  user: string;
  okey: string;
  dedupe?: string;
  payload: string;
  /** Insert directly as a dead letter with this reason. */
  dead?: string;
}

export interface OutboxStats {
  pending: number;
  /** Creation time of the oldest pending item (ms since epoch). */
  oldestPendingAt?: number;
  dead: number;
}

export interface OutboxRepo {
  /** Insert, or report a duplicate when the dedupe key is known. Durable after `Store.flush()`. */
  enqueue(item: EnqueueItem, now: number): { id: number; duplicate: boolean };
  /**
   * The oldest pending items of each ordering key that are due, skipping keys in `busy`, for at
   * most `limit` keys: up to `perKey` rows per key, in order (a chain the lane runs one after
   * the other), so a later item never overtakes an earlier one of the same conversation.
   */
  due(bridge: string, direction: Direction, now: number, busy: ReadonlySet<string>, limit: number, perKey?: number): OutboxRow[][];
  /** The chain of one ordering key (as `due`), or nothing when its head is not due. */
  dueFor(bridge: string, direction: Direction, okey: string, now: number, limit: number): OutboxRow[];
  /** Heads of ordering keys (each key's oldest pending row) that are due at `now`, longest due first. */
  dueHeads(bridge: string, direction: Direction, now: number, limit: number): Array<{ okey: string; nextAt: number }>;
  /** The earliest `next_at` after `after` among pending items (ms since epoch), if any. */
  nextDueAt(bridge: string, direction: Direction, after: number): number | undefined;
  /** Finished: sent, or failed permanently and reported to the user (`error` set). */
  markDone(id: number, now: number, error?: string): void;
  retryLater(id: number, nextAt: number, error: string, now: number): void;
  markDead(id: number, error: string, now: number): void;
  /**
   * A done row turned out not to be delivered (a server bounce): pending again at `nextAt`, its
   * attempts kept. False when the row is not done (already reopened, pruned).
   */
  reopen(id: number, nextAt: number, error: string, now: number): boolean;
  /** Make the user's pending rows of a direction that wait for a later time due now (the user came online). */
  expedite(bridge: string, direction: Direction, user: string, now: number): number;
  get(id: number): OutboxRow | undefined;
  stats(bridge: string): OutboxStats;
  deadLetters(bridge: string, limit: number): OutboxRow[];
  /** Rows of a bridge in id order, optionally of one direction and state (admin views, tests). */
  list(bridge: string, filter: { direction?: Direction; state?: OutboxRow['state'] }, limit: number): OutboxRow[];
  /** Put a dead letter back in the queue (attempts reset). */
  revive(id: number, now: number): boolean;
  discard(id: number): boolean;
  /** Delete done rows older than `before` (their dedupe keys go with them). */
  prune(before: number): number;
}

export interface UserRecord {
  bridge: string;
  user: string;
  firstSeen: number;
  lastSeen: number;
}

/** Who uses which bridge (for the admin "users" command). */
export interface UserRepo {
  touch(bridge: string, user: string, now: number): void;
  list(bridge: string): UserRecord[];
}

/** Presence subscriptions users made to the domain or to contacts (RFC 6121 §3). */
export interface SubscriptionRepo {
  add(bridge: string, user: string, localpart: string): void;
  remove(bridge: string, user: string, localpart: string): void;
  list(bridge: string): Array<{ user: string; localpart: string }>;
}

/** A message stanza the gateway sent a user for an inbound outbox row (design.md §5: a bounce is a failed delivery). */
export interface SentStanza {
  rowId: number;
  /** The resource the stanza was addressed to, when it went to a full JID. */
  toResource?: string;
  /** When it was sent (ms since epoch). */
  at: number;
}

/**
 * Stanzas sent to users, kept until the XMPP server could have bounced them, so that an error
 * bounce finds its outbox row even after a restart. Writes join the group commit, so an entry is
 * durable with the `done` of the delivery it belongs to.
 */
export interface BounceRepo {
  /** Remember `stanzaId` sent to `user` (replacing an earlier entry for the same id). */
  track(bridge: string, user: string, stanzaId: string, sent: SentStanza): void;
  find(bridge: string, user: string, stanzaId: string): SentStanza | undefined;
  forget(bridge: string, user: string, stanzaId: string): void;
  /** Delete the entries sent before `before`, then the oldest beyond `maxEntries`; returns how many went. */
  prune(bridge: string, before: number, maxEntries: number): number;
  count(bridge: string): number;
}

export interface Store {
  outbox: OutboxRepo;
  bounces: BounceRepo;
  users: UserRepo;
  subscriptions: SubscriptionRepo;
  kv(bridge: string): KeyValueStore;
  messages(bridge: string): MessageMap;
  /**
   * Resolves when every write made so far is durable (writes are group-committed on the next
   * turn of the event loop); rejects when that commit failed.
   */
  flush(): Promise<void>;
  /**
   * Sharded mode's shared inbound dedupe (src/core/postgres/shared-dedupe.ts): an inbound row with
   * a dedupe key, just enqueued, is held from the lane until its commit claims the key for all
   * slots. Call right after `enqueue`: resolves once that commit is done, true when another slot
   * had the key (the row is gone: a duplicate), false when the row is kept (the lane may take it);
   * undefined when the row is not held. Absent on stores without a shared dedupe.
   */
  claimed?(id: number): Promise<boolean | undefined>;
  /** Sharded mode: the queue of events handed to the slot that knows their message (src/core/handoff.ts). */
  handoff?: HandoffQueue;
  /** Undefined when the store can be written, else why not (for /healthz). */
  writableProblem(): string | undefined;
  close(): void;
}
