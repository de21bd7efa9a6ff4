import { describe, expect, it } from 'vitest';
import { queryEntries, selectHistory, type ArchiveEntry } from '../archive.js';

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
