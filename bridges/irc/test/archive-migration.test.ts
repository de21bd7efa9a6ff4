// Moving an earlier version's IRC archive (`arch:` keys in the bridge's namespace) into the core's
// archive: every message kept in order with its id and stamp, the old keys gone, a second run a no-op.
import { describe, expect, it } from 'vitest';
import { CoreArchive } from '../../../src/core/archive.js';
import { memoryKv } from '../../../test/helpers/memory-kv.js';
import { migrateArchive } from '../archive-migration.js';
import { channelConversation, privateConversation } from '../conversations.js';

const USER = 'alice@example.org';
const old = (conversation: string, seq: number) => `arch:${USER}\nlibera\n${conversation}\n${String(seq).padStart(12, '0')}`;

describe('IRC archive migration into the core archive', () => {
  it('moves channel and private conversations, keeps ids, stamps and order, and deletes the old keys', () => {
    const ircKv = memoryKv();
    const coreKv = memoryKv();
    const stamp = (m: number) => new Date(Date.UTC(2026, 10, 1, 12, m)).toISOString();
    ircKv.set(old('#chan', 0), { id: 'c0', stamp: stamp(0), nick: 'bob', body: 'first' });
    ircKv.set(old('#chan', 1), { id: 'c1', stamp: stamp(1), nick: 'alice', body: 'second' });
    ircKv.set(old('@bob', 0), { id: 'p0', stamp: stamp(2), nick: 'alice', body: 'hi bob', outgoing: true });
    ircKv.set('settings\nsomething', { unrelated: true });
    const archive = new CoreArchive(coreKv, { now: () => Date.UTC(2026, 10, 2) });

    expect(migrateArchive(ircKv, archive)).toBe(3);
    expect(archive.entries(USER, channelConversation('libera', '#Chan'))).toEqual([
      { id: 'c0', stamp: stamp(0), nick: 'bob', body: 'first' },
      { id: 'c1', stamp: stamp(1), nick: 'alice', body: 'second' },
    ]);
    expect(archive.query(USER, privateConversation('libera', 'Bob'), { page: {} }, 'chat').messages).toEqual([{ id: 'p0', stamp: stamp(2), type: 'chat', body: 'hi bob', outgoing: true }]);
    expect(ircKv.list('arch:')).toEqual([]);
    expect(ircKv.get('settings\nsomething')).toEqual({ unrelated: true });
    expect(migrateArchive(ircKv, archive)).toBe(0);
    expect(archive.entries(USER, channelConversation('libera', '#chan'))).toHaveLength(2);
  });
});
