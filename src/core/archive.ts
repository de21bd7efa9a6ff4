/**
 * The core's archive (design.md §4a): per bridge, the user's conversations (rooms and private
 * chats), one key per message (`<user>\n<conversation>\n<seq>` in the key/value namespace
 * `core:archive:<bridge>`), bounded per conversation by count and by age. It serves the join
 * history of rooms (XEP-0045 §7.2.15) and XEP-0313 queries (src/xmpp/mam.ts) on every address
 * whose `ResolvedAddress.archive` names a conversation. A bridge records through `ctx.archive`.
 */
import type { BridgeArchive, Clock, KeyValueStore, Retention } from './bridge-services.js';
import type { ArchivePage, ArchiveQuery } from './hook-types.js';
import type { HistoryRequest, UserJid } from './model.js';
import { queryEntries, selectHistory, type ArchiveEntry } from './archive-query.js';
import { CoreHistorySettings } from './history-settings.js';

export type { ArchiveEntry } from './archive-query.js';

const SEQ_DIGITS = 12;

/**
 * Expired messages are deleted on write at most this often per conversation: reads hide them
 * anyway (`cutoff`), and a check reads the oldest entry, which a busy channel would otherwise
 * pay on every message once the count cap deletes one per message.
 */
const AGE_CHECK_INTERVAL_MS = 60_000;

/** `kv` under keys that start with a space, which no archive key (a bare JID first) can. */
function apart(kv: KeyValueStore): KeyValueStore {
  const p = ' settings ';
  return {
    get: <T>(key: string) => kv.get<T>(p + key),
    set: (key, value) => kv.set(p + key, value),
    delete: (key) => kv.delete(p + key),
    list: <T>(prefix: string) => kv.list<T>(p + prefix).map((e) => ({ key: e.key.slice(p.length), value: e.value })),
  };
}

export class CoreArchive implements BridgeArchive {
  /** Per conversation: the next sequence number, the oldest kept, and that one's time once read. */
  private readonly bounds = new Map<string, { next: number; oldest: number; oldestAt?: number; ageCheckedAt?: number }>();

  private maxPerConversation = 1000;
  /** Retention by age in days; 0 keeps messages until the count cap drops them. */
  private maxDays = 0;

  /** The users' history settings of rooms (the muc#owner form's, src/core/room-config.ts). */
  readonly settings: CoreHistorySettings;

  constructor(
    private readonly kv: KeyValueStore,
    private readonly clock: Clock,
    /** Where the settings are kept (context.ts: their own namespace); default: in `kv`, apart. */
    settingsKv: KeyValueStore = apart(kv),
  ) {
    this.settings = new CoreHistorySettings(settingsKv);
  }

  setRetention(r: Retention): void {
    this.maxPerConversation = r.maxMessages;
    this.maxDays = r.maxDays;
    const { recordHistory, maxHistoryLength } = r;
    const operator = { ...(recordHistory !== undefined ? { recordHistory } : {}), ...(maxHistoryLength !== undefined ? { maxHistoryLength } : {}) };
    this.settings.configure(operator, r.maxMessages);
  }

  /** Messages older than this (ms since the epoch) are dropped; -Infinity when there is no age limit. */
  private cutoff(): number {
    return this.maxDays > 0 ? this.clock.now() - this.maxDays * 86_400_000 : -Infinity;
  }

  /** Key prefix of one conversation of one user; conversations compare lower-cased. */
  private static prefix(user: UserJid, conversation: string): string {
    return `${user}\n${conversation.toLowerCase()}\n`;
  }

  append(user: UserJid, conversation: string, entry: Omit<ArchiveEntry, 'stamp'> & { stamp?: string }, options: { room?: boolean } = {}): void {
    // A room's history settings say whether it is recorded at all (record_history).
    if (options.room && !this.settings.effective(user, conversation).recordHistory) return;
    const prefix = CoreArchive.prefix(user, conversation);
    let b = this.bounds.get(prefix);
    if (!b) {
      const keys = this.kv.list<ArchiveEntry>(prefix).map((e) => Number(e.key.slice(prefix.length)));
      b = { next: (keys.at(-1) ?? -1) + 1, oldest: keys[0] ?? 0 };
      this.bounds.set(prefix, b);
    }
    const stamp = entry.stamp ?? new Date(this.clock.now()).toISOString();
    const stored: ArchiveEntry = {
      id: entry.id,
      stamp,
      nick: entry.nick,
      body: entry.body,
      ...(entry.outgoing ? { outgoing: true } : {}),
      ...(entry.originId !== undefined && entry.originId !== entry.id ? { originId: entry.originId } : {}),
      ...(entry.replyTo ? { replyTo: entry.replyTo } : {}),
    };
    this.kv.set(prefix + String(b.next).padStart(SEQ_DIGITS, '0'), stored);
    b.next++;
    while (b.next - b.oldest > this.maxPerConversation) {
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
  entries(user: UserJid, conversation: string): ArchiveEntry[] {
    const cutoff = this.cutoff();
    return this.kv
      .list<ArchiveEntry>(CoreArchive.prefix(user, conversation))
      .map((e) => e.value)
      .filter((e) => cutoff === -Infinity || Date.parse(e.stamp) >= cutoff);
  }

  /** Whether a message with this archive id is kept (chathistory replays must not be archived twice). */
  has(user: UserJid, conversation: string, id: string): boolean {
    return this.entries(user, conversation).some((e) => e.id === id);
  }

  /**
   * XEP-0424 §6: the message `id` (its archive id, or the origin-id of the user's own message)
   * becomes a tombstone: its text and reply reference are overwritten in the store, not only
   * hidden, and MAM and the join history serve `<retracted/>` in its place. `retraction`: the
   * retraction's own id and time (default now). False when no such message is kept.
   */
  retract(user: UserJid, conversation: string, id: string, retraction: { id?: string; stamp?: string } = {}): boolean {
    const found = this.kv.list<ArchiveEntry>(CoreArchive.prefix(user, conversation)).find((e) => e.value.id === id || e.value.originId === id);
    if (!found || found.value.retracted) return found !== undefined;
    const { id: archiveId, stamp, nick, outgoing, originId } = found.value;
    const retracted = { stamp: retraction.stamp ?? new Date(this.clock.now()).toISOString(), ...(retraction.id !== undefined ? { id: retraction.id } : {}) };
    this.kv.set(found.key, { id: archiveId, stamp, nick, body: '', ...(outgoing ? { outgoing } : {}), ...(originId !== undefined ? { originId } : {}), retracted } satisfies ArchiveEntry);
    return true;
  }

  /** Forget a conversation (history recording turned off). */
  clear(user: UserJid, conversation: string): void {
    const prefix = CoreArchive.prefix(user, conversation);
    for (const e of this.kv.list(prefix)) this.kv.delete(e.key);
    this.bounds.delete(prefix);
  }

  /** The join history: at most `limit` messages, then the client's `<history/>` limits (XEP-0045 §7.2.15). */
  history(user: UserJid, conversation: string, limit: number, req: HistoryRequest | undefined): ArchiveEntry[] {
    return selectHistory(this.entries(user, conversation), limit, req, this.clock.now());
  }

  /**
   * The join history of a room as the user's settings allow it (XEP-0045 §7.2.15): none when the
   * room is not recorded, at most its max_history_length, then the `<history/>` request's limits.
   */
  joinHistory(user: UserJid, conversation: string, req: HistoryRequest | undefined): ArchiveEntry[] {
    const policy = this.settings.effective(user, conversation);
    return policy.recordHistory ? this.history(user, conversation, policy.maxHistoryLength, req) : [];
  }

  /** XEP-0313 query on a conversation: a room's (groupchat) or a private one (chat). */
  query(user: UserJid, conversation: string, q: ArchiveQuery, type: 'groupchat' | 'chat'): ArchivePage {
    return queryEntries(this.entries(user, conversation), q, type);
  }
}

