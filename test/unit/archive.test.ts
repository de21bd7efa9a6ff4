// The core's archive (src/core/archive.ts): join history selection, XEP-0313 queries with
// XEP-0059 paging, and retention by count and age. Pure: an in-memory key/value store.
import { describe, expect, it } from 'vitest';
import { queryEntries, selectHistory, type ArchiveEntry } from '../../src/core/archive-query.js';
import { CoreArchive } from '../../src/core/archive.js';
import { memoryKv } from '../helpers/memory-kv.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const entries: ArchiveEntry[] = Array.from({ length: 10 }, (_, i) => ({
  id: `id${i}`,
  stamp: new Date(T0 + i * 60_000).toISOString(),
  nick: i % 2 === 0 ? 'even' : 'odd',
  body: `m${i}`,
}));
const ids = (xs: Array<{ id: string }>) => xs.map((x) => x.id);

describe('join history selection (XEP-0045 §7.2.15)', () => {
  const now = T0 + 10 * 60_000;
  it('without a request sends the last max_history_length messages', () => {
    expect(ids(selectHistory(entries, 3, undefined, now))).toEqual(['id7', 'id8', 'id9']);
    expect(selectHistory(entries, 0, undefined, now)).toEqual([]);
  });
  it('honours maxstanzas, maxchars=0, maxchars, seconds and since', () => {
    expect(ids(selectHistory(entries, 20, { maxstanzas: 2 }, now))).toEqual(['id8', 'id9']);
    expect(selectHistory(entries, 20, { maxstanzas: 0 }, now)).toEqual([]);
    expect(selectHistory(entries, 20, { maxchars: 0 }, now)).toEqual([]);
    expect(ids(selectHistory(entries, 20, { maxchars: 5 }, now))).toEqual(['id8', 'id9']);
    expect(ids(selectHistory(entries, 20, { seconds: 150 }, now))).toEqual(['id8', 'id9']);
    expect(ids(selectHistory(entries, 20, { since: entries[6]!.stamp }, now))).toEqual(['id7', 'id8', 'id9']);
    expect(ids(selectHistory(entries, 2, { maxstanzas: 5 }, now))).toEqual(['id8', 'id9']);
  });
});

describe('archive queries (XEP-0313 with XEP-0059 paging)', () => {
  it('pages forward with after and reports complete on the last page', () => {
    const p1 = queryEntries(entries, { page: { max: 4 } });
    expect(ids(p1.messages)).toEqual(['id0', 'id1', 'id2', 'id3']);
    expect(p1).toMatchObject({ complete: false, count: 10, firstIndex: 0 });
    const p3 = queryEntries(entries, { page: { max: 4, after: 'id7' } });
    expect(ids(p3.messages)).toEqual(['id8', 'id9']);
    expect(p3).toMatchObject({ complete: true, firstIndex: 8 });
  });
  it('pages backward with before (empty = the last page)', () => {
    const last = queryEntries(entries, { page: { max: 3, before: '' } });
    expect(ids(last.messages)).toEqual(['id7', 'id8', 'id9']);
    expect(last.complete).toBe(false);
    const first = queryEntries(entries, { page: { max: 3, before: 'id2' } });
    expect(ids(first.messages)).toEqual(['id0', 'id1']);
    expect(first.complete).toBe(true);
  });
  it('filters by start, end and with (occupant JID or nick); max is capped at 100 by default', () => {
    const q = queryEntries(entries, { start: entries[2]!.stamp, end: entries[6]!.stamp, with: '#c%net@irc.localhost/odd', page: {} });
    expect(ids(q.messages)).toEqual(['id3', 'id5']);
    expect(q.messages[0]).toMatchObject({ fromResource: 'odd', type: 'groupchat', body: 'm3' });
    expect(ids(queryEntries(entries, { with: 'even', page: { index: 3 } }).messages)).toEqual(['id6', 'id8']);
    const many = Array.from({ length: 150 }, (_, i) => ({ ...entries[0]!, id: `x${i}` }));
    expect(queryEntries(many, { page: {} }).messages).toHaveLength(100);
  });
  it('an unknown after/before id gives an empty, complete page', () => {
    expect(queryEntries(entries, { page: { after: 'nope' } })).toMatchObject({ messages: [], complete: true });
  });
});

describe('archive retention by age', () => {
  it('drops messages older than the limit on write and hides them on read', async () => {
    const kv = memoryKv();
    let now = Date.parse('2026-03-01T00:00:00Z');
    const archive = new CoreArchive(kv, { now: () => now });
    archive.setRetention({ maxMessages: 1000, maxDays: 2 });
    const day = 86_400_000;
    archive.append('a@example.org', 'test\n#c', { id: 'd0', nick: 'n', body: 'day 0' });
    now += day;
    archive.append('a@example.org', 'test\n#c', { id: 'd1', nick: 'n', body: 'day 1' });
    archive.append('a@example.org', 'test\n@Bob', { id: 'p1', nick: 'Bob', body: 'pm day 1' });
    now += 1.5 * day; // d0 is 2.5 days old: hidden on read, though not yet deleted
    expect(archive.entries('a@example.org', 'test\n#c').map((e) => e.id)).toEqual(['d1']);
    archive.append('a@example.org', 'test\n#c', { id: 'd2', nick: 'n', body: 'day 2.5' });
    expect(kv.list('a@example.org\ntest\n#c\n').map((e) => (e.value as { id: string }).id)).toEqual(['d1', 'd2']);
    now += 1 * day;
    expect(archive.entries('a@example.org', 'test\n#c').map((e) => e.id)).toEqual(['d2']);
    expect(archive.query('a@example.org', 'test\n@bob', { page: {} }, 'chat').messages).toEqual([]);
  });

  it('a busy conversation at its count cap reads its oldest entry for the age limit at most once a minute', async () => {
    const kv = memoryKv();
    let gets = 0;
    const counted = { ...kv, get: <T>(key: string): T | undefined => (gets++, kv.get<T>(key)) };
    let now = Date.parse('2026-03-01T00:00:00Z');
    const archive = new CoreArchive(counted, { now: () => now });
    archive.setRetention({ maxMessages: 5, maxDays: 2 });
    for (let i = 0; i < 200; i++) archive.append('a@example.org', 'test\n#c', { id: `m${i}`, nick: 'n', body: `m${i}` });
    expect(gets).toBeLessThanOrEqual(1); // reading it on every write would be ~195
    expect(archive.entries('a@example.org', 'test\n#c').map((e) => e.id)).toEqual(['m195', 'm196', 'm197', 'm198', 'm199']);
    now += 3 * 86_400_000; // everything has expired: the next write past the minute deletes it
    archive.append('a@example.org', 'test\n#c', { id: 'late', nick: 'n', body: 'late' });
    expect(kv.list('a@example.org\ntest\n#c\n').map((e) => (e.value as { id: string }).id)).toEqual(['late']);
  });

  it('archive_max_days 0 keeps messages of any age (only the count cap)', async () => {
    const kv = memoryKv();
    let now = 0;
    const archive = new CoreArchive(kv, { now: () => now });
    archive.setRetention({ maxMessages: 2, maxDays: 0 });
    for (const id of ['a', 'b', 'c']) archive.append('a@example.org', 'test\n#c', { id, nick: 'n', body: id, stamp: new Date(now).toISOString() });
    now = 10 * 365 * 86_400_000;
    expect(archive.entries('a@example.org', 'test\n#c').map((e) => e.id)).toEqual(['b', 'c']);
  });
});

describe('retraction in the archive (XEP-0424 §6 tombstones)', () => {
  const user = 'a@example.org';
  const setUp = () => {
    const kv = memoryKv();
    const archive = new CoreArchive(kv, { now: () => Date.parse('2026-03-01T12:00:00Z') });
    archive.append(user, 'test\n#c', { id: 'k1', nick: 'bob', body: 'kept' });
    archive.append(user, 'test\n#c', { id: 'r1', nick: 'bob', body: 'secret words', replyTo: { id: 'k1', to: '#c%test/bob' } });
    archive.append(user, 'test\n@bob', { id: 'pm-1', originId: 'o-1', nick: 'me', body: 'private secret', outgoing: true });
    return { kv, archive };
  };

  it('a retracted message is a tombstone: its text and reply reference are gone from the store, not only hidden', () => {
    const { kv, archive } = setUp();
    expect(archive.retract(user, 'test\n#C', 'r1', { id: 'ret-1' })).toBe(true);
    expect(JSON.stringify([...kv.map.values()])).not.toContain('secret words');
    const [kept, gone] = archive.entries(user, 'test\n#c');
    expect(kept).toMatchObject({ id: 'k1', body: 'kept' });
    expect(gone).toEqual({ id: 'r1', nick: 'bob', body: '', stamp: expect.any(String), retracted: { id: 'ret-1', stamp: '2026-03-01T12:00:00.000Z' } });
  });

  it('MAM and the join history serve the tombstone in the retracted message\'s place', () => {
    const { archive } = setUp();
    archive.retract(user, 'test\n#c', 'r1');
    const page = archive.query(user, 'test\n#c', { page: {} }, 'groupchat');
    expect(page.messages.map((m) => [m.id, m.body, m.retracted])).toEqual([
      ['k1', 'kept', undefined],
      ['r1', '', { stamp: '2026-03-01T12:00:00.000Z' }],
    ]);
    expect(page.messages[1]!.replyTo).toBeUndefined();
    expect(archive.history(user, 'test\n#c', 10, undefined).map((e) => e.retracted?.stamp)).toEqual([undefined, '2026-03-01T12:00:00.000Z']);
  });

  it('the user\'s own private message is found by its origin-id as well as its id; unknown ids change nothing', () => {
    const { kv, archive } = setUp();
    const before = JSON.stringify([...kv.map.entries()]);
    expect(archive.retract(user, 'test\n#c', 'nope')).toBe(false);
    expect(archive.retract(user, 'test\n@bob', 'k1')).toBe(false);
    expect(JSON.stringify([...kv.map.entries()])).toBe(before);
    expect(archive.retract(user, 'test\n@bob', 'o-1')).toBe(true);
    const [m] = archive.query(user, 'test\n@bob', { page: {} }, 'chat').messages;
    expect(m).toMatchObject({ id: 'pm-1', originId: 'o-1', outgoing: true, body: '', retracted: { stamp: expect.any(String) } });
  });

  it('a second retraction keeps the first tombstone', () => {
    const { archive } = setUp();
    archive.retract(user, 'test\n#c', 'r1', { id: 'first', stamp: '2026-03-01T10:00:00.000Z' });
    expect(archive.retract(user, 'test\n#c', 'r1', { id: 'second' })).toBe(true);
    expect(archive.entries(user, 'test\n#c')[1]!.retracted).toEqual({ id: 'first', stamp: '2026-03-01T10:00:00.000Z' });
  });
});

describe('replies in the archive (XEP-0461)', () => {
  it('a reply keeps its reference in MAM results and in the join history', () => {
    const archive = new CoreArchive(memoryKv(), { now: () => T0 });
    archive.append('a@example.org', 'test\n#c', { id: 'p', nick: 'bob', body: 'question?' });
    archive.append('a@example.org', 'test\n#c', { id: 'c', nick: 'carol', body: 'answer', replyTo: { id: 'p', to: '#c%test/bob' } });
    archive.append('a@example.org', 'test\n@bob', { id: 'x', nick: 'bob', body: 're', replyTo: { id: 'y' } });
    const room = archive.query('a@example.org', 'test\n#c', { page: {} }, 'groupchat').messages;
    expect(room.map((m) => m.replyTo)).toEqual([undefined, { id: 'p', to: '#c%test/bob' }]);
    expect(archive.history('a@example.org', 'test\n#c', 1, undefined)[0]!.replyTo).toEqual({ id: 'p', to: '#c%test/bob' });
    expect(archive.query('a@example.org', 'test\n@bob', { page: {} }, 'chat').messages[0]!.replyTo).toEqual({ id: 'y' });
  });
});
