/**
 * Moving an earlier version's history settings into the core's (issue 11): record_history and
 * max_history_length were kept per channel in the bridge's `chan:<user>\n<network>\n<channel>`
 * rows and per user in `defaults:<user>` (next to persistent and the rejoin data, which stay); the
 * core keeps them per room conversation (conversations.ts) and per user. Run at start: each row's
 * history fields are moved and removed, so a second run moves nothing. Returns the rows moved.
 */
import type { BridgeHistorySettings, KeyValueStore, StoredHistorySettings } from '../../src/core/bridge.js';
import { channelConversation } from './conversations.js';

export function migrateHistorySettings(kv: KeyValueStore, settings: BridgeHistorySettings): number {
  let moved = 0;
  for (const prefix of ['chan:', 'defaults:']) {
    for (const { key, value } of kv.list<StoredHistorySettings & Record<string, unknown>>(prefix)) {
      const { record_history, max_history_length, ...rest } = value;
      if (record_history === undefined && max_history_length === undefined) continue;
      const history = { ...(record_history !== undefined ? { record_history } : {}), ...(max_history_length !== undefined ? { max_history_length } : {}) };
      const [user = '', network, channel] = key.slice(prefix.length).split('\n');
      if (prefix === 'defaults:') settings.setUserDefaults(user, history);
      else if (network && channel) settings.setRoom(user, channelConversation(network, channel), history);
      if (Object.keys(rest).length > 0) kv.set(key, rest);
      else kv.delete(key);
      moved++;
    }
  }
  return moved;
}
