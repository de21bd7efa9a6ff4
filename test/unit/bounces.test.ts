import { describe, expect, it } from 'vitest';
import { BounceTracker } from '../../src/core/bounces.js';

function tracker(windowMs = 1000, maxEntries = 3) {
  let now = 0;
  const t = new BounceTracker({ windowMs, maxEntries, now: () => now });
  return { t, advance: (ms: number) => (now += ms) };
}

describe('BounceTracker', () => {
  it('matches a bounce from the bare JID once, by user and stanza id', () => {
    const { t } = tracker();
    t.track('a@x', 'id1', 7);
    expect(t.take('b@x', 'id1')).toBeUndefined();
    expect(t.take('a@x', 'id1')).toBe(7);
    expect(t.take('a@x', 'id1')).toBeUndefined();
  });

  it('an error from one client of a message sent to the bare JID is no bounce; from the addressed resource it is', () => {
    const { t } = tracker();
    t.track('a@x', 'bare', 1);
    t.track('a@x', 'full', 2, 'phone');
    expect(t.take('a@x', 'bare', 'laptop')).toBeUndefined();
    expect(t.take('a@x', 'full', 'laptop')).toBeUndefined();
    expect(t.take('a@x', 'full', 'phone')).toBe(2);
    expect(t.take('a@x', 'bare')).toBe(1);
  });

  it('forgets stanzas older than the window', () => {
    const { t, advance } = tracker(1000);
    t.track('a@x', 'old', 1);
    advance(600);
    t.track('a@x', 'new', 2);
    advance(500);
    expect(t.take('a@x', 'old')).toBeUndefined();
    expect(t.take('a@x', 'new')).toBe(2);
  });

  it('keeps at most maxEntries, forgetting the oldest first', () => {
    const { t } = tracker(60_000, 3);
    for (let i = 1; i <= 5; i++) t.track('a@x', `m${i}`, i);
    expect(t.size).toBe(3);
    expect(t.take('a@x', 'm2')).toBeUndefined();
    expect(t.take('a@x', 'm3')).toBe(3);
    expect(t.take('a@x', 'm5')).toBe(5);
  });
});
