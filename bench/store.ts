/**
 * The store benchmark (issue 14): on SQLite (synchronous: full, the default) and on PostgreSQL
 * (fsync on, the server's defaults), same machine, same run, printed as ratios to SQLite:
 * - outbox throughput, enqueue → handle → done, with one conversation and with many;
 * - inbound commit rate: callers that each wait for their commit before acknowledging;
 * - next to each rate, the CPU time per item: this process (the gateway's side of either store)
 *   plus, on PostgreSQL, the server's processes. On a shared machine the rates follow the load of
 *   everyone else; the CPU per item much less so;
 * - failover time: the active gateway (on Prosody) killed with SIGKILL `--kills` times, from
 *   the kill until the standby's component is online (min/median/max).
 * `node dist/bench/store.js [--items N] [--runs N] [--kills N]` (medians of --runs alternating runs);
 * `--only failover` prints the failover time alone, `--kills 0` the store figures alone. The
 * shard takeover time is bench/shard.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPostgresStore } from '../src/core/postgres/store.js';
import { openSqliteStore } from '../src/core/sqlite/store.js';
import type { Store } from '../src/core/store.js';
import { startGateway, type RunningGateway } from '../test/helpers/gateway.js';
import { startPostgres } from '../test/helpers/postgres.js';
import { startProsody } from '../test/helpers/prosody.js';
import { arg } from './lib/args.js';
import { treeCpuTimeMs } from './lib/proc.js';
import { jsonLines } from './lib/output.js';
import { inboundCommitRate, outboxThroughput } from './lib/store-load.js';

const print = jsonLines('store');
const items = Number(arg('items', '20000'));
const kills = Number(arg('kills', '5'));
const runs = Number(arg('runs', '3'));
const only = arg('only', '');
if (only !== '' && only !== 'failover') throw new Error(`--only: 'failover' or nothing, not ${only}`);
const round = (n: number) => Math.round(n * 100) / 100;

const pg = await startPostgres();
const dir = mkdtempSync(join(tmpdir(), 'sb-bench-store-'));
let n = 0;
const stores = {
  sqlite: async (): Promise<Store> => openSqliteStore({ path: join(dir, `s${++n}.sqlite`), synchronous: 'full' }),
  postgres: async (): Promise<Store> => openPostgresStore({ url: await pg.createDatabase() }),
};
const close = async (s: Store) => {
  s.close();
  if ('closed' in s && typeof s.closed === 'function') await (s.closed as () => Promise<void>)();
};

try {
  const inbound = Math.min(items, 5000);
  const loads: Array<[string, number, (s: Store) => Promise<number>]> = [
    ['outbox_one_conversation', items, (s) => outboxThroughput(s, items, 1)],
    ['outbox_many_conversations', items, (s) => outboxThroughput(s, items, 200)],
    ['inbound_commit_50_callers', inbound, (s) => inboundCommitRate(s, inbound, 50)],
  ];
  // The machine is shared: alternate the two stores `--runs` times and compare the medians.
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  for (const [name, count, load] of only === 'failover' ? [] : loads) {
    const rates: Record<'sqlite' | 'postgres', number[]> = { sqlite: [], postgres: [] };
    const cpu: Record<'sqlite' | 'postgres', number[]> = { sqlite: [], postgres: [] };
    for (let r = 0; r < runs; r++) {
      for (const kind of ['sqlite', 'postgres'] as const) {
        const s = await stores[kind]();
        try {
          const server = treeCpuTimeMs(pg.pid);
          const own = process.cpuUsage();
          rates[kind].push(await load(s));
          const used = process.cpuUsage(own);
          // The server's CPU while SQLite runs is its idle background work: counted on PostgreSQL only.
          const serverUs = kind === 'postgres' ? (treeCpuTimeMs(pg.pid) - server) * 1000 : 0;
          cpu[kind].push((used.user + used.system + serverUs) / count);
        } finally {
          await close(s);
        }
      }
    }
    const sqlite = median(rates.sqlite);
    const postgres = median(rates.postgres);
    print({ metric: `${name}_per_s`, runs, sqlite: round(sqlite), postgres: round(postgres), ratio_postgres_to_sqlite: round(postgres / sqlite), all: rates });
    const cpuSqlite = median(cpu.sqlite);
    const cpuPostgres = median(cpu.postgres);
    print({
      metric: `${name}_cpu_us_per_item`,
      runs,
      sqlite: round(cpuSqlite),
      postgres: round(cpuPostgres),
      ratio_sqlite_to_postgres: round(cpuSqlite / cpuPostgres),
      all: { sqlite: cpu.sqlite.map(round), postgres: cpu.postgres.map(round) },
    });
  }

  // Failover: kill the active, time the standby's takeover, restart the killed one as standby.
  if (kills > 0) await failover();
} finally {
  await pg.stop();
  rmSync(dir, { recursive: true, force: true });
}

async function failover(): Promise<void> {
  const DOMAIN = 'echo.localhost';
  const xmpp = await startProsody({ components: [{ domain: DOMAIN, secret: 'bench' }], users: [] });
  const url = await pg.createDatabase();
  const gateway = (standby: boolean) =>
    startGateway({
      xmppPort: xmpp.componentPort,
      bridges: { echo: { domain: DOMAIN, component_secret: 'bench' } },
      extra: { store: { url }, log: { level: 'info' } },
      noWait: standby,
    });
  const running: RunningGateway[] = [];
  try {
    let active = await gateway(false);
    running.push(active);
    const times: number[] = [];
    for (let k = 0; k < kills; k++) {
      const standby = await gateway(true);
      running.push(standby);
      await standby.waitForLog((l) => l.event === 'standby' && l.heldBy !== undefined, 'standby ready', 15_000);
      const killedAt = Date.now();
      await active.kill();
      await standby.waitForLog((l) => l.event === 'online', 'standby online', 30_000);
      times.push(Date.now() - killedAt);
      active = standby;
    }
    times.sort((a, b) => a - b);
    print({
      metric: 'failover_ms',
      kills,
      lease_ttl_ms: 5000,
      min: times[0],
      median: times[Math.floor(times.length / 2)],
      max: times[times.length - 1],
      all: times,
    });
  } finally {
    await Promise.all(running.map((g) => g.stop()));
    await xmpp.stop();
  }
}
