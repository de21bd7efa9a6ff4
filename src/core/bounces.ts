/**
 * Which inbound outbox row a stanza sent to a user was (design.md §5: a server bounce is a failed
 * delivery). An XMPP server answers a message it cannot deliver with an error stanza carrying the
 * message's id (RFC 6120 §8.3.1; RFC 6121 §8.5.2: no such account, or no available resource and
 * no offline storage → `service-unavailable`). Such an answer comes within a round trip, so the
 * correlation is kept for `windowMs` and for at most `maxEntries` stanzas (oldest forgotten
 * first): memory stays bounded whatever the traffic. It lives in memory: a bounce that arrives
 * after a restart of the gateway is not matched (the item stays done).
 */

export interface SentItem {
  rowId: number;
  /** The resource the stanza was addressed to, when it went to a full JID. */
  toResource?: string;
  at: number;
}

export interface BounceTrackerOptions {
  windowMs: number;
  maxEntries: number;
  now(): number;
}

export class BounceTracker {
  /** Insertion order = send order, so the oldest entries are first. */
  private readonly sent = new Map<string, SentItem>();

  constructor(private readonly options: BounceTrackerOptions) {}

  get size(): number {
    return this.sent.size;
  }

  /** A stanza `id` went to `user` for outbox row `rowId`. */
  track(user: string, id: string, rowId: number, toResource?: string): void {
    const key = `${user}|${id}`;
    this.sent.delete(key);
    this.sent.set(key, { rowId, at: this.options.now(), ...(toResource ? { toResource } : {}) });
    this.expire();
  }

  /**
   * The row an error from `user[/fromResource]` about stanza `id` refers to, if it is a bounce:
   * from the bare JID (the server answered for the account), or from the very resource the
   * stanza was sent to. An error from one client of a message sent to the bare JID is not a
   * failed delivery: the server gave it to the others too (RFC 6121 §8.5.3.1).
   */
  take(user: string, id: string, fromResource?: string): number | undefined {
    this.expire();
    const key = `${user}|${id}`;
    const item = this.sent.get(key);
    if (!item) return undefined;
    if (fromResource !== undefined && fromResource !== item.toResource) return undefined;
    this.sent.delete(key);
    return item.rowId;
  }

  private expire(): void {
    const oldest = this.options.now() - this.options.windowMs;
    for (const [key, item] of this.sent) {
      if (item.at >= oldest && this.sent.size <= this.options.maxEntries) break;
      this.sent.delete(key);
    }
  }
}
