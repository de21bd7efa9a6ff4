import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/core/sqlite/store.js';
import { GatewayMetrics } from '../../src/metrics.js';

describe('metrics', () => {
  it('a scrape commits pending writes first: outbox_depth counts only what another process (a restart) would see', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-metrics-'));
    const path = join(dir, 'db.sqlite');
    // A long commit delay: without the scrape, the row would stay in the open transaction.
    const store = openSqliteStore({ path, synchronous: 'normal', commitDelayMs: 60_000 });
    const metrics = new GatewayMetrics(store, () => ['echo']);
    store.outbox.enqueue({ direction: 'out', bridge: 'echo', user: 'a@example.org', okey: 'a@example.org|k', payload: '{}' }, Date.now());
    const other = new Database(path, { readonly: true });
    const committed = () => (other.prepare(`SELECT COUNT(*) AS n FROM outbox WHERE state = 'pending'`).get() as { n: number }).n;
    expect(committed()).toBe(0);

    const { body } = await metrics.render();
    expect(body).toMatch(/^switchboard_outbox_depth\{bridge="echo"\} 1$/m);
    expect(committed()).toBe(1);
    other.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports the oldest due age of each watched lane, by bridge and direction', async () => {
    const store = openSqliteStore({ path: ':memory:', synchronous: 'normal' });
    const metrics = new GatewayMetrics(store, () => ['echo']);
    metrics.watchLanes(
      { bridge: 'echo', direction: 'out', oldestDueAgeMs: () => 90_500 },
      { bridge: 'echo', direction: 'in', oldestDueAgeMs: () => 0 },
    );
    const { body } = await metrics.render();
    expect(body).toMatch(/^switchboard_outbox_oldest_due_age_seconds\{bridge="echo",direction="out"\} 90\.5$/m);
    expect(body).toMatch(/^switchboard_outbox_oldest_due_age_seconds\{bridge="echo",direction="in"\} 0$/m);
    store.close();
  });
});
