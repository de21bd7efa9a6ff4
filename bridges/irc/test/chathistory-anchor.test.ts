import { describe, expect, it } from 'vitest';
import type { ArchiveEntry } from '../../../src/core/archive-query.js';
import { anchorOf, newMessages, requestLimit } from '../chathistory-anchor.js';

const entry = (id: string, body = 'x', extra: Partial<ArchiveEntry> = {}): ArchiveEntry => ({
  id,
  stamp: '2026-01-01T10:00:00.123Z',
  nick: 'bob',
  body,
  ...extra,
});

describe('where a CHATHISTORY request starts', () => {
  it.each([
    ['a server msgid', entry('srv-1'), [], 'msgid=srv-1'],
    ['a server msgid, MSGREFTYPES listing msgid', entry('srv-1'), ['timestamp', 'msgid'], 'msgid=srv-1'],
    ['a server msgid the server cannot take (MSGREFTYPES=timestamp)', entry('srv-1'), ['timestamp'], 'timestamp=2026-01-01T10:00:00.123Z'],
    ['an id the gateway made (randomUUID)', entry('4f0c2a7e-1b2c-4d3e-8f40-0123456789ab'), [], 'timestamp=2026-01-01T10:00:00.123Z'],
    ["the user's own private message (its XMPP id)", entry('abc', 'x', { outgoing: true }), [], 'timestamp=2026-01-01T10:00:00.123Z'],
    ['an id that is no middle parameter', entry('a b'), [], 'timestamp=2026-01-01T10:00:00.123Z'],
  ])('%s', (_what, last, types, expected) => {
    expect(anchorOf(last, undefined, types)).toBe(expected);
  });

  it('falls back to the time the connection was last up, and to nothing', () => {
    expect(anchorOf(undefined, '2026-01-01T09:00:00Z', [])).toBe('timestamp=2026-01-01T09:00:00.000Z');
    expect(anchorOf(undefined, undefined, [])).toBeUndefined();
  });

  it('asks for the configured count, or fewer when ISUPPORT CHATHISTORY says so (0 = no limit)', () => {
    expect(requestLimit(100, undefined)).toBe(100);
    expect(requestLimit(100, 50)).toBe(50);
    expect(requestLimit(100, 0)).toBe(100);
    expect(requestLimit(20, 500)).toBe(20);
  });
});

describe('which replayed messages are new', () => {
  const own = (e: ArchiveEntry) => e.nick === 'me';
  it('drops msgids the archive holds and repeats within the reply', () => {
    const archived = [entry('m1'), entry('m2')];
    expect(
      newMessages(
        [
          { msgid: 'm2', own: false, body: 'x' },
          { msgid: 'm3', own: false, body: 'y' },
          { msgid: 'm3', own: false, body: 'y' },
        ],
        archived,
        own,
        10,
      ),
    ).toEqual([false, true, false]);
  });

  it("drops the user's own lines archived under an id of ours, each archived line once", () => {
    const archived = [entry('u1', 'hello', { nick: 'me' }), entry('m9', 'hello')];
    const replay = [
      { msgid: 's1', own: true, body: 'hello' },
      { msgid: 's2', own: true, body: 'hello' },
      { msgid: 's3', own: false, body: 'hello' },
    ];
    expect(newMessages(replay, archived, own, 10)).toEqual([false, true, true]);
  });

  it("keeps messages without msgid that are not the user's", () => {
    expect(
      newMessages(
        [
          { own: false, body: 'a' },
          { own: false, body: 'a' },
        ],
        [entry('x', 'a')],
        own,
        10,
      ),
    ).toEqual([true, true]);
  });
});
