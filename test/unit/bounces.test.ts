import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BounceTracker } from '../../src/core/bounces.js';
import { openSqliteStore } from '../../src/core/sqlite/store.js';
import type { Store } from '../../src/core/store.js';

function tracker(windowMs = 1000, maxEntries = 3, store: Store = openSqliteStore({ path: ':memory:', synchronous: 'normal' })) {
  let now = 1_000_000;
  const t = new BounceTracker({ repo: store.bounces, bridge: 'sms', windowMs, maxEntries, now: () => now });
  return { t, store, advance: (ms: number) => (now += ms) };
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
    const { t, advance } = tracker(60_000, 3);
    for (let i = 1; i <= 5; i++) {
      t.track('a@x', `m${i}`, i);
      advance(1);
    }
    expect(t.size).toBe(3);
    expect(t.take('a@x', 'm2')).toBeUndefined();
    expect(t.take('a@x', 'm3')).toBe(3);
    expect(t.take('a@x', 'm5')).toBe(5);
  });

  it('prunes every maxEntries/10 deliveries: the table never holds more than 10 % over the bound', () => {
    const { t, advance } = tracker(600_000, 100);
    let most = 0;
    for (let i = 0; i < 1000; i++) {
      t.track('a@x', `m${i}`, i);
      advance(1);
      most = Math.max(most, t.size);
    }
    expect(most).toBeLessThanOrEqual(110);
    expect(t.take('a@x', 'm999')).toBe(999);
    expect(t.take('a@x', 'm850')).toBeUndefined();
  });

  it('keeps bridges apart', () => {
    const store = openSqliteStore({ path: ':memory:', synchronous: 'normal' });
    const sms = tracker(1000, 3, store).t;
    const email = new BounceTracker({ repo: store.bounces, bridge: 'email', windowMs: 1000, maxEntries: 3, now: () => 1_000_000 });
    sms.track('a@x', 'same', 1);
    email.track('a@x', 'same', 2);
    expect(email.take('a@x', 'same')).toBe(2);
    expect(sms.take('a@x', 'same')).toBe(1);
  });

  it('survives a restart: a bounce after reopening the store finds its row; stale entries are pruned on start', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'sb-bounce-')), 'db.sqlite');
    const first = openSqliteStore({ path, synchronous: 'full' });
    const a = tracker(1000, 100, first);
    a.t.track('a@x', 'before-restart', 41);
    a.t.track('a@x', 'old', 40);
    await first.flush();
    first.close();

    const second = openSqliteStore({ path, synchronous: 'full' });
    const b = tracker(1000, 100, second);
    expect(b.t.take('a@x', 'before-restart')).toBe(41);
    second.close();

    const third = openSqliteStore({ path, synchronous: 'full' });
    let now = 1_000_000 + 5000;
    const c = new BounceTracker({ repo: third.bounces, bridge: 'sms', windowMs: 1000, maxEntries: 100, now: () => now });
    // Started after the window: what the previous run left is deleted, not just ignored.
    expect(c.size).toBe(0);
    expect(c.take('a@x', 'old')).toBeUndefined();
    now += 1;
    third.close();
  });
});
