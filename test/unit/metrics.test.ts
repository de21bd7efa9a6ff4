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
    metrics.watchLanes({ bridge: 'echo', direction: 'out', oldestDueAgeMs: () => 90_500 }, { bridge: 'echo', direction: 'in', oldestDueAgeMs: () => 0 });
    const { body } = await metrics.render();
    expect(body).toMatch(/^switchboard_outbox_oldest_due_age_seconds\{bridge="echo",direction="out"\} 90\.5$/m);
    expect(body).toMatch(/^switchboard_outbox_oldest_due_age_seconds\{bridge="echo",direction="in"\} 0$/m);
    store.close();
  });
});

describe('metrics merged from other registries (sharded mode: the adopted slots)', () => {
  it('renders a family present in both once, with the other registry’s series labelled; the rest as before', async () => {
    const home = openSqliteStore({ path: ':memory:', synchronous: 'normal' });
    const adopted = openSqliteStore({ path: ':memory:', synchronous: 'normal' });
    const homeMetrics = new GatewayMetrics(home, () => ['echo']);
    const adoptedMetrics = new GatewayMetrics(adopted, () => ['echo']);
    adopted.outbox.enqueue({ direction: 'out', bridge: 'echo', user: 'a@example.org', okey: 'a@example.org|k', payload: '{}' }, Date.now());
    adoptedMetrics.deliveries.inc({ bridge: 'echo', direction: 'out', outcome: 'done' }, 2);
    homeMetrics.deliveries.inc({ bridge: 'echo', direction: 'out', outcome: 'done' }, 5);
    homeMetrics.merge(() => adoptedMetrics.families({ slot: '1' }));

    const { body } = await homeMetrics.render();
    expect(body).toMatch(/^switchboard_outbox_depth\{bridge="echo"\} 0$/m);
    expect(body).toMatch(/^switchboard_outbox_depth\{bridge="echo",slot="1"\} 1$/m);
    expect(body).toMatch(/^switchboard_deliveries_total\{bridge="echo",direction="out",outcome="done"\} 5$/m);
    expect(body).toMatch(/^switchboard_deliveries_total\{bridge="echo",direction="out",outcome="done",slot="1"\} 2$/m);
    // One HELP and TYPE per family (a valid exposition), and the process metrics once, unlabelled.
    const types = body.split('\n').filter((l) => l.startsWith('# TYPE '));
    expect(new Set(types).size).toBe(types.length);
    expect(body).toMatch(/^switchboard_process_start_time_seconds \d+$/m);
    expect(body).not.toMatch(/switchboard_process_[a-z_]+\{[^}]*slot=/);
    home.close();
    adopted.close();
  });
});
