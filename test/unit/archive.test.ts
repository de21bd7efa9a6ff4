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
