/**
 * Moving the history settings of earlier versions into the core's (issue 11): the IRC bridge kept
 * record_history and max_history_length in its own key/value namespace, per channel in
 * `chan:<user>\n<network>\n<channel>` (next to persistent and the rejoin data, which stay) and
 * per user in `defaults:<user>` (next to persistent); the core keeps them per room conversation
 * (conversations.ts) and per user in `core:room-settings:irc`. Run at start: each row's history
 * fields are moved and removed from the row, so a second run finds nothing to move.
 */
import type { BridgeHistorySettings, KeyValueStore, StoredHistorySettings } from '../../src/core/bridge.js';
import { channelConversation } from './conversations.js';

type Row = StoredHistorySettings & Record<string, unknown>;

/** The row's history fields, and the rest of it; undefined when it has none. */
function split(value: Row): { history: StoredHistorySettings; rest: Record<string, unknown> } | undefined {
  const { record_history, max_history_length, ...rest } = value;
  if (record_history === undefined && max_history_length === undefined) return undefined;
  const history = { ...(record_history !== undefined ? { record_history } : {}), ...(max_history_length !== undefined ? { max_history_length } : {}) };
  return { history, rest };
}

function keep(kv: KeyValueStore, key: string, rest: Record<string, unknown>): void {
  if (Object.keys(rest).length > 0) kv.set(key, rest);
  else kv.delete(key);
}

/** Returns the number of rows whose settings moved. */
export function migrateHistorySettings(kv: KeyValueStore, settings: BridgeHistorySettings): number {
  let moved = 0;
  for (const { key, value } of kv.list<Row>('chan:')) {
    const [user, network, channel] = key.slice('chan:'.length).split('\n');
    const parts = split(value);
    if (!parts || !user || !network || !channel) continue;
    settings.setRoom(user, channelConversation(network, channel), parts.history);
    keep(kv, key, parts.rest);
    moved++;
  }
  for (const { key, value } of kv.list<Row>('defaults:')) {
    const parts = split(value);
    if (!parts) continue;
    settings.setUserDefaults(key.slice('defaults:'.length), parts.history);
    keep(kv, key, parts.rest);
    moved++;
  }
  return moved;
}
