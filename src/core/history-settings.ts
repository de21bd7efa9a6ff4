/**
 * The history settings of a bridge's rooms (design.md §4a: "the owner form for history
 * settings" is the core's): whether the core's archive records a room, and how many messages of
 * it a joining resource gets (XEP-0045 §7.2.15). Stored per (user, room conversation) in the
 * core's key/value namespace `core:room-settings:<bridge>`, with biboumi's field names so that the
 * forms clients know keep working. A room's own setting wins over the user's defaults (for all
 * their rooms), and those over the operator's (the bridge's config, given with `setRetention`).
 */
import type { FormField } from './adhoc-model.js';
import type { BridgeHistorySettings, HistoryPolicy, KeyValueStore, StoredHistorySettings } from './bridge-services.js';
import { formBoolean, formCount } from './form-values.js';
import type { UserJid } from './model.js';

export type { BridgeHistorySettings, HistoryPolicy, StoredHistorySettings } from './bridge-services.js';

const ROOM = 'room:';
const DEFAULTS = 'defaults:';

export class CoreHistorySettings implements BridgeHistorySettings {
  /** Read on every room message (archiving): cached, dropped on each change. */
  private readonly cache = new Map<string, HistoryPolicy>();
  private operator: HistoryPolicy = { recordHistory: true, maxHistoryLength: 20 };
  /** A submitted length above what the archive keeps of a room is cut to it. */
  private cap = 1000;

  constructor(private readonly kv: KeyValueStore) {}

  /** The operator's defaults and the archive's count bound (`BridgeArchive.setRetention`). */
  configure(operator: Partial<HistoryPolicy>, cap: number): void {
    this.operator = { ...this.operator, ...operator };
    this.cap = cap;
    this.cache.clear();
  }

  private static roomKey(user: UserJid, conversation: string): string {
    return `${ROOM}${user}\n${conversation.toLowerCase()}`;
  }

  effective(user: UserJid, conversation: string): HistoryPolicy {
    const key = CoreHistorySettings.roomKey(user, conversation);
    const cached = this.cache.get(key);
    if (cached) return cached;
    const own = this.kv.get<StoredHistorySettings>(key) ?? {};
    const mine = this.userDefaults(user);
    const out = {
      recordHistory: own.record_history ?? mine.record_history ?? this.operator.recordHistory,
      maxHistoryLength: own.max_history_length ?? mine.max_history_length ?? this.operator.maxHistoryLength,
    };
    this.cache.set(key, out);
    return out;
  }

  parse(values: Record<string, string[]>): StoredHistorySettings {
    const record = formBoolean(values, 'record_history');
    const max = formCount(values, 'max_history_length', this.cap);
    return { ...(record !== undefined ? { record_history: record } : {}), ...(max !== undefined ? { max_history_length: max } : {}) };
  }

  setRoom(user: UserJid, conversation: string, patch: StoredHistorySettings): void {
    const key = CoreHistorySettings.roomKey(user, conversation);
    this.kv.set(key, { ...this.kv.get<StoredHistorySettings>(key), ...patch });
    this.cache.delete(key);
  }

  userDefaults(user: UserJid): StoredHistorySettings {
    return this.kv.get<StoredHistorySettings>(DEFAULTS + user) ?? {};
  }

  setUserDefaults(user: UserJid, patch: StoredHistorySettings): void {
    this.kv.set(DEFAULTS + user, { ...this.userDefaults(user), ...patch });
    // Every cached room of the user may be stale; changes are rare, so drop them all.
    this.cache.clear();
  }

  /** The room's fields of the muc#owner form (XEP-0045 §10.2), with what applies now. */
  roomFields(user: UserJid, conversation: string): FormField[] {
    const s = this.effective(user, conversation);
    return [
      { var: 'record_history', type: 'boolean', label: 'Record the room history (join history and archive)', values: [s.recordHistory ? '1' : '0'] },
      { var: 'max_history_length', type: 'text-single', label: 'Messages of history sent on join', values: [String(s.maxHistoryLength)] },
    ];
  }

  defaultFields(user: UserJid): FormField[] {
    const mine = this.userDefaults(user);
    return [
      {
        var: 'max_history_length',
        type: 'text-single',
        label: 'Messages of history sent on join',
        values: [String(mine.max_history_length ?? this.operator.maxHistoryLength)],
      },
      {
        var: 'record_history',
        type: 'boolean',
        label: 'Record the history of rooms',
        values: [(mine.record_history ?? this.operator.recordHistory) ? '1' : '0'],
      },
    ];
  }
}
