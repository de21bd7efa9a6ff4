// Moving an earlier version's history settings (record_history, max_history_length in the IRC
// bridge's `chan:` and `defaults:` rows) into the core's: they apply as before, the bridge's own
// fields (persistent, the rejoin data) stay in its rows, and a second run moves nothing.
import { describe, expect, it } from 'vitest';
import { CoreArchive } from '../../../src/core/archive.js';
import { memoryKv } from '../../../test/helpers/memory-kv.js';
import { channelConversation } from '../conversations.js';
import { migrateHistorySettings } from '../history-settings-migration.js';

const ALICE = 'alice@example.org';
const BOB = 'bob@example.org';

describe('IRC history settings migration into the core', () => {
  it('moves per-channel and per-user history settings, keeps persistence and rejoin data, and runs once', () => {
    const ircKv = memoryKv();
    ircKv.set(`chan:${ALICE}\nlibera\n#chan`, { persistent: true, record_history: false, max_history_length: 5, localpart: '#Chan%libera', nick: 'al' });
    ircKv.set(`chan:${ALICE}\nlibera\n#other`, { max_history_length: 3 });
    ircKv.set(`chan:${BOB}\nlibera\n#chan`, { persistent: false, localpart: '#chan%libera' });
    ircKv.set(`defaults:${ALICE}`, { record_history: true, max_history_length: 9, persistent: true });
    ircKv.set(`defaults:${BOB}`, { record_history: false });
    const archive = new CoreArchive(memoryKv(), { now: () => 0 }, memoryKv());
    archive.setRetention({ maxMessages: 1000, maxDays: 0, recordHistory: true, maxHistoryLength: 20 });

    expect(migrateHistorySettings(ircKv, archive.settings)).toBe(4);
    expect(archive.settings.effective(ALICE, channelConversation('libera', '#Chan'))).toEqual({ recordHistory: false, maxHistoryLength: 5 });
    expect(archive.settings.effective(ALICE, channelConversation('libera', '#other'))).toEqual({ recordHistory: true, maxHistoryLength: 3 });
    expect(archive.settings.effective(ALICE, channelConversation('libera', '#new'))).toEqual({ recordHistory: true, maxHistoryLength: 9 });
    expect(archive.settings.effective(BOB, channelConversation('libera', '#chan'))).toEqual({ recordHistory: false, maxHistoryLength: 20 });

    expect(ircKv.get(`chan:${ALICE}\nlibera\n#chan`)).toEqual({ persistent: true, localpart: '#Chan%libera', nick: 'al' });
    expect(ircKv.get(`chan:${ALICE}\nlibera\n#other`)).toBeUndefined();
    expect(ircKv.get(`chan:${BOB}\nlibera\n#chan`)).toEqual({ persistent: false, localpart: '#chan%libera' });
    expect(ircKv.get(`defaults:${ALICE}`)).toEqual({ persistent: true });
    expect(ircKv.get(`defaults:${BOB}`)).toBeUndefined();
    expect(migrateHistorySettings(ircKv, archive.settings)).toBe(0);
  });
});
