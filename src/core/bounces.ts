/**
 * Which inbound outbox row a stanza sent to a user was (design.md §5: a server bounce is a failed
 * delivery). An XMPP server answers a message it cannot deliver with an error stanza carrying the
 * message's id (RFC 6120 §8.3.1; RFC 6121 §8.5.2: no such account, or no available resource and
 * no offline storage → `service-unavailable`). Most answers come within a round trip, some much
 * later (a stream-management session that hibernates, then times out, bounces what it had not
 * acknowledged, XEP-0198 §5), so the correlation is kept for `windowMs` and lives in the store:
 * a bounce that arrives after a restart of the gateway still finds its row. The entry is written
 * in the same group commit as the row's `done`, so neither survives a crash without the other.
 *
 * Bounded: entries older than the window are deleted, and beyond `maxEntries` the oldest go
 * first. Pruning runs every `maxEntries / 10` deliveries (and at least once per window), so the
 * table holds at most 10 % more than `maxEntries` between two prunes; an entry past the window is
 * never matched, pruned or not.
 */
import type { BounceRepo } from './store.js';

export interface BounceTrackerOptions {
  repo: BounceRepo;
  bridge: string;
  windowMs: number;
  maxEntries: number;
  now(): number;
}

export class BounceTracker {
  private tracked = 0;
  private lastPrune: number;
  private readonly pruneEvery: number;

  constructor(private readonly options: BounceTrackerOptions) {
    this.pruneEvery = Math.max(1, Math.floor(options.maxEntries / 10));
    this.lastPrune = options.now();
    // What a previous run left behind (the gateway may have been down for longer than the window).
    this.prune();
  }

  /** Entries stored for this bridge (admin views, tests). */
  get size(): number {
    return this.options.repo.count(this.options.bridge);
  }

  /** A stanza `id` went to `user` for outbox row `rowId`. */
  track(user: string, id: string, rowId: number, toResource?: string): void {
    const now = this.options.now();
    this.options.repo.track(this.options.bridge, user, id, { rowId, at: now, ...(toResource ? { toResource } : {}) });
    this.tracked += 1;
    if (this.tracked >= this.pruneEvery || now - this.lastPrune >= this.options.windowMs) this.prune();
  }

  /**
   * The row an error from `user[/fromResource]` about stanza `id` refers to, if it is a bounce:
   * from the bare JID (the server answered for the account), or from the very resource the
   * stanza was sent to. An error from one client of a message sent to the bare JID is not a
   * failed delivery: the server gave it to the others too (RFC 6121 §8.5.3.1).
   */
  take(user: string, id: string, fromResource?: string): number | undefined {
    const { repo, bridge } = this.options;
    const item = repo.find(bridge, user, id);
    if (!item || item.at < this.options.now() - this.options.windowMs) return undefined;
    if (fromResource !== undefined && fromResource !== item.toResource) return undefined;
    repo.forget(bridge, user, id);
    return item.rowId;
  }

  private prune(): void {
    const now = this.options.now();
    this.tracked = 0;
    this.lastPrune = now;
    this.options.repo.prune(this.options.bridge, now - this.options.windowMs, this.options.maxEntries);
  }
}
