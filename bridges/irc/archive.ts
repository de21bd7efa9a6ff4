/**
 * The per-user archive of conversations, in the bridge's key/value store: one key per message
 * (`arch:<user>\n<network>\n<channel or @nick>\n<seq>`), bounded per conversation by count and by
 * age. Channels serve the join history (XEP-0045 §7.2.15, `<history/>` limits) and XEP-0313 queries
 * with XEP-0059 paging; private conversations (`@nick`, see `pmKey`) serve XEP-0313 queries.
 */
import type { ArchivedMessage, ArchivePage, ArchiveQuery, Clock, KeyValueStore } from '../../src/core/bridge.js';
import type { HistoryRequest, UserJid } from '../../src/core/model.js';

export interface ArchiveEntry {
  /** Archive id: the XEP-0359 stanza-id the message was delivered with. */
  id: string;
  /** ISO 8601. */
  stamp: string;
  nick: string;
  body: string;
  /** Private conversations: sent by the user (not by `nick`'s peer). */
  outgoing?: boolean;
}

/** The conversation key of a private conversation with `nick` ('@' can start neither a nick nor a channel). */
export function pmKey(nick: string): string {
  return `@${nick.toLowerCase()}`;
}

/** XEP-0313 §5.1 does not fix a default page; 100 is the default and also the cap. */
export const MAM_MAX_PAGE = 100;

const SEQ_DIGITS = 12;

/**
 * Expired messages are deleted on write at most this often per conversation: reads hide them
 * anyway (`cutoff`), and a check reads the oldest entry, which a busy channel would otherwise
 * pay on every message once the count cap deletes one per message.
 */
const AGE_CHECK_INTERVAL_MS = 60_000;

export class RoomArchive {
  /** Per conversation: the next sequence number, the oldest kept, and that one's time once read. */
  private readonly bounds = new Map<string, { next: number; oldest: number; oldestAt?: number; ageCheckedAt?: number }>();

  constructor(
    private readonly kv: KeyValueStore,
    private readonly clock: Clock,
    private readonly maxPerChannel: number,
    /** Retention by age in days; 0 keeps messages until the count cap drops them. */
    private readonly maxDays = 0,
  ) {}

  /** Messages older than this (ms since the epoch) are dropped; -Infinity when there is no age limit. */
  private cutoff(): number {
    return this.maxDays > 0 ? this.clock.now() - this.maxDays * 86_400_000 : -Infinity;
  }

  /** Key prefix of one channel of one user; channels compare lower-cased. */
  static prefix(user: UserJid, network: string, channel: string): string {
    return `arch:${user}\n${network}\n${channel.toLowerCase()}\n`;
  }

  append(user: UserJid, network: string, channel: string, entry: Omit<ArchiveEntry, 'stamp'> & { stamp?: string }): void {
    const prefix = RoomArchive.prefix(user, network, channel);
    let b = this.bounds.get(prefix);
    if (!b) {
      const keys = this.kv.list<ArchiveEntry>(prefix).map((e) => Number(e.key.slice(prefix.length)));
      b = { next: (keys.at(-1) ?? -1) + 1, oldest: keys[0] ?? 0 };
      this.bounds.set(prefix, b);
    }
    const stamp = entry.stamp ?? new Date(this.clock.now()).toISOString();
    this.kv.set(prefix + String(b.next).padStart(SEQ_DIGITS, '0'), { id: entry.id, stamp, nick: entry.nick, body: entry.body, ...(entry.outgoing ? { outgoing: true } : {}) } satisfies ArchiveEntry);
    b.next++;
    while (b.next - b.oldest > this.maxPerChannel) {
      this.kv.delete(prefix + String(b.oldest).padStart(SEQ_DIGITS, '0'));
      b.oldest++;
      delete b.oldestAt;
    }
    // Retention by age: entries are in arrival order, so the expired ones are the oldest. Checked
    // at most once per AGE_CHECK_INTERVAL_MS; the oldest one's time is read once and kept.
    const now = this.clock.now();
    if (this.maxDays <= 0 || (b.ageCheckedAt !== undefined && now - b.ageCheckedAt < AGE_CHECK_INTERVAL_MS)) return;
    b.ageCheckedAt = now;
    const cutoff = this.cutoff();
    while (b.oldest < b.next - 1) {
      const key = prefix + String(b.oldest).padStart(SEQ_DIGITS, '0');
      if (b.oldestAt === undefined) {
        const oldest = this.kv.get<ArchiveEntry>(key);
        b.oldestAt = oldest ? Date.parse(oldest.stamp) : -Infinity;
      }
      if (b.oldestAt >= cutoff) break;
      this.kv.delete(key);
      b.oldest++;
      delete b.oldestAt;
    }
  }

  /** The conversation's messages within the retention period, oldest first. */
  entries(user: UserJid, network: string, channel: string): ArchiveEntry[] {
    const cutoff = this.cutoff();
    return this.kv
      .list<ArchiveEntry>(RoomArchive.prefix(user, network, channel))
      .map((e) => e.value)
      .filter((e) => cutoff === -Infinity || Date.parse(e.stamp) >= cutoff);
  }

  /** Whether a message with this archive id is kept (chathistory replays must not be archived twice). */
  has(user: UserJid, network: string, channel: string, id: string): boolean {
    return this.entries(user, network, channel).some((e) => e.id === id);
  }

  /** Forget a channel (history recording turned off). */
  clear(user: UserJid, network: string, channel: string): void {
    const prefix = RoomArchive.prefix(user, network, channel);
    for (const e of this.kv.list(prefix)) this.kv.delete(e.key);
    this.bounds.delete(prefix);
  }

  /** The join history: at most `limit` messages, then the client's `<history/>` limits (XEP-0045 §7.2.15). */
  history(user: UserJid, network: string, channel: string, limit: number, req: HistoryRequest | undefined): ArchiveEntry[] {
    return selectHistory(this.entries(user, network, channel), limit, req, this.clock.now());
  }

  /** XEP-0313 query on a channel. */
  query(user: UserJid, network: string, channel: string, q: ArchiveQuery, type: 'groupchat' | 'chat' = 'groupchat'): ArchivePage {
    return queryEntries(this.entries(user, network, channel), q, type);
  }
}

export function selectHistory(all: ArchiveEntry[], limit: number, req: HistoryRequest | undefined, now: number): ArchiveEntry[] {
  if (req?.maxchars === 0 || req?.maxstanzas === 0) return [];
  let out = all.slice(-Math.max(0, Math.min(limit, req?.maxstanzas ?? limit)));
  if (limit <= 0) out = [];
  if (req?.seconds !== undefined) out = out.filter((e) => Date.parse(e.stamp) >= now - req.seconds! * 1000);
  if (req?.since !== undefined) {
    const since = Date.parse(req.since);
    if (!Number.isNaN(since)) out = out.filter((e) => Date.parse(e.stamp) > since);
  }
  if (req?.maxchars !== undefined) {
    // Counted over the bodies, newest first: whole stanzas only.
    let chars = 0;
    let from = out.length;
    while (from > 0 && chars + out[from - 1]!.body.length <= req.maxchars) chars += out[--from]!.body.length;
    out = out.slice(from);
  }
  return out;
}

/**
 * Filters (start, end, with = occupant JID or nick; `with` means nothing in a private conversation,
 * which has one peer), then XEP-0059 paging by archive id or index.
 */
export function queryEntries(all: ArchiveEntry[], q: ArchiveQuery, type: 'groupchat' | 'chat' = 'groupchat'): ArchivePage {
  const start = q.start ? Date.parse(q.start) : undefined;
  const end = q.end ? Date.parse(q.end) : undefined;
  const withNick = q.with && type === 'groupchat' ? q.with.slice(q.with.indexOf('/') + 1) : undefined;
  const matched = all.filter((e) => {
    const t = Date.parse(e.stamp);
    return (start === undefined || t >= start) && (end === undefined || t <= end) && (withNick === undefined || e.nick === withNick);
  });
  const max = Math.min(q.page.max ?? MAM_MAX_PAGE, MAM_MAX_PAGE);
  let from: number;
  let to: number;
  let backwards = false;
  if (q.page.before !== undefined) {
    backwards = true;
    to = q.page.before === '' ? matched.length : matched.findIndex((e) => e.id === q.page.before);
    if (to < 0) return { messages: [], complete: true, count: matched.length };
    from = Math.max(0, to - max);
  } else {
    if (q.page.after !== undefined) {
      const at = matched.findIndex((e) => e.id === q.page.after);
      if (at < 0) return { messages: [], complete: true, count: matched.length };
      from = at + 1;
    } else from = Math.min(q.page.index ?? 0, matched.length);
    to = Math.min(matched.length, from + max);
  }
  const messages: ArchivedMessage[] = matched.slice(from, to).map((e) => toArchived(e, type));
  return {
    messages,
    // XEP-0313 §4.3: complete when the page reaches the end of the results in the paging direction.
    complete: backwards ? from === 0 : to === matched.length,
    count: matched.length,
    ...(messages.length > 0 ? { firstIndex: from } : {}),
  };
}

/** A room message comes from `room/nick`; a private one from the peer, or from the user (`outgoing`). */
function toArchived(e: ArchiveEntry, type: 'groupchat' | 'chat'): ArchivedMessage {
  if (type === 'groupchat') return { id: e.id, stamp: e.stamp, fromResource: e.nick, type, body: e.body };
  return { id: e.id, stamp: e.stamp, type, body: e.body, ...(e.outgoing ? { outgoing: true } : {}) };
}
