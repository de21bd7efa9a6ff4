/**
 * Sharded mode (`store.cluster.mode: shard`, design.md §5a, src/failover/slots.ts): this
 * instance takes one free slot as its home and runs a gateway on it; meanwhile, every heartbeat,
 * it adopts any slot whose holder let its lease lapse (a dead instance), one at a time, and runs
 * a gateway on that slot too, with its own component connections (which take the free ejabberd
 * slot: exactly the dead instance's users), its own store schema and its users' rooms, rejoined
 * as after a restart. An instance that finds no free slot waits as a spare, and one that holds
 * more than its home hands an adopted slot over to it (spares.ts).
 *
 * Only the home gateway listens (HTTP: /healthz, /metrics, webhooks; the email bridge's SMTP): the
 * adopted ones run without, so that one process never binds a port twice (adopted-config.ts).
 */
import type pg from 'pg';
import type { Logger } from 'pino';
import type { LoadedConfig } from '../config.js';
import { openPostgresStore, pgPool, type PostgresStore } from '../core/postgres/store.js';
import type { Fence } from '../core/postgres/pg-commit.js';
import { GatewayHttp } from '../http.js';
import { Gateway } from '../runtime.js';
import { adoptedSlotConfig } from './adopted-config.js';
import { Lease } from './lease.js';
import { FailoverMetrics } from './metrics.js';
import type { FailoverRun } from './run.js';
import { createSlotSchemas, sharedSchema, slotSchema, slotUrl, type ShardSlotInfo } from './slots.js';
import { markConnectionsClosed, takeConnectionsClosed } from './slot-reconnect.js';
import { SpareRegistry } from './spares.js';

interface Slot {
  index: number;
  schema: string;
  url: string;
  lease: Lease;
  leasePool: pg.Pool;
  fence?: Fence;
  gateway?: Gateway;
  store?: PostgresStore;
}

export function runSharded(config: LoadedConfig, log: Logger, url: string, onFatal: (err: Error) => void, onLeaseLost: (why: string) => void): FailoverRun {
  const { core } = config;
  const { ttl_ms: ttlMs, heartbeat_ms: heartbeatMs, name } = core.store.lease;
  const metrics = new FailoverMetrics();
  const pool = pgPool(url, 2);
  pool.on('error', (err) => log.warn({ event: 'lease_pool_error', err: err.message }, `lease connection: ${err.message}`));
  const slots: Slot[] = Array.from({ length: core.store.cluster.slots }, (_, index) => {
    const schema = slotSchema(name, index);
    const sUrl = slotUrl(url, schema);
    const leasePool = pgPool(sUrl, 1);
    leasePool.on('error', (err) => log.warn({ event: 'lease_pool_error', slot: index, err: err.message }, `lease connection: ${err.message}`));
    return { index, schema, url: sUrl, leasePool, lease: new Lease(leasePool, { name, ttlMs, heartbeatMs }, metrics, log.child({ slot: index })) };
  });
  const spares = new SpareRegistry(slots[0]!.leasePool, ttlMs);
  const me = `${slots[0]!.lease.holder}`;
  const abort = new AbortController();
  let home: Slot | undefined;
  let watcher: NodeJS.Timeout | undefined;
  let adopting: Promise<void> = Promise.resolve();

  const slotInfo = (): ShardSlotInfo[] =>
    slots.map((s) => ({ slot: s.index, schema: s.schema, held: s.gateway !== undefined, home: s === home, lease: s.lease.info() }));
  const role = () => ({ role: 'shard' as const, ...(home ? { lease: home.lease.info() } : {}), slots: slotInfo() });
  const spareHttp = core.http.enabled
    ? new GatewayHttp({
        host: core.http.host,
        port: core.http.port,
        log,
        health: () => ({ ok: false, problems: ['spare: every shard slot is held by another instance'], role: 'standby', slots: slotInfo() }),
        metrics: () => metrics.render(),
      })
    : undefined;

  /** The home's /metrics shows the adopted slots' gateways too, their series labelled `slot`. */
  const adoptedMetrics = async () => {
    const adopted = slots.filter((s) => s.gateway && s !== home);
    return (await Promise.all(adopted.map((s) => s.gateway!.metrics.families({ slot: String(s.index) })))).flat();
  };
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const tryTake = async (slot: Slot, onlyLapsed: boolean): Promise<Fence | undefined> => {
    try {
      return await slot.lease.tryAcquire(onlyLapsed);
    } catch (err) {
      log.warn({ event: 'lease_error', slot: slot.index, err: (err as Error).message }, `slot ${slot.index} lease: ${(err as Error).message}`);
      return undefined;
    }
  };

  /**
   * Lost a slot's lease (another instance adopted it while this one was frozen): close the
   * component connections (no store writes), say so to the adopter, then exit.
   */
  const leaseLost = (slot: Slot) => (why: string) => {
    const closed = Promise.all(slots.flatMap((s) => s.gateway?.pipelines.map((p) => p.component.stop()) ?? []));
    const marked = closed.then(() => markConnectionsClosed(slot.leasePool, slot.lease.holder)).catch(() => undefined);
    void Promise.race([marked, sleep(3000)]).finally(() => onLeaseLost(why));
  };

  /** Run a gateway on a slot whose lease this instance has just taken. */
  const startSlot = async (slot: Slot, fence: Fence, isHome: boolean): Promise<void> => {
    slot.fence = fence;
    slot.lease.keep(leaseLost(slot));
    await runGateway(slot, fence, isHome);
  };

  const runGateway = async (slot: Slot, fence: Fence, isHome: boolean): Promise<void> => {
    const slotLog = log.child({ slot: slot.index });
    slot.store = await openPostgresStore({
      url: slot.url,
      fence,
      sharedDedupe: { schema: sharedSchema(name), slot: slot.index },
      handoff: { pollMs: heartbeatMs, otherSlots: slots.filter((s) => s !== slot).map((s) => s.schema) },
      onCommit: (s, rows) => metrics.committed(s, rows),
      onCommitError: (err) => slotLog.error({ event: 'commit_failed', err: err.message }, `store commit failed: ${err.message}`),
    });
    const slotConfig = isHome ? config : adoptedSlotConfig(config);
    const homeOnly = isHome ? { registry: metrics.registry, mergeMetrics: adoptedMetrics } : {};
    slot.gateway = new Gateway(slotConfig, slotLog, { store: slot.store, role, ...homeOnly });
    metrics.slotsHeld(slots.filter((s) => s.gateway).length);
    slotLog.info(
      { event: isHome ? 'slot_home' : 'slot_adopted', slot: slot.index, epoch: fence.epoch },
      `shard: ${isHome ? 'home' : 'adopted'} slot ${slot.index} (epoch ${fence.epoch})`,
    );
    await slot.gateway.start(onFatal);
  };

  /** Stop an adopted slot's gateway (rooms kept) and release its lease at once, for a spare. */
  const handOver = async (slot: Slot): Promise<void> => {
    log.info({ event: 'slot_handed_over', slot: slot.index }, `shard: handing slot ${slot.index} over to a spare`);
    await slot.gateway!.stop();
    await slot.store!.closed();
    await slot.lease.release();
    slot.gateway = undefined;
    slot.store = undefined;
    metrics.slotsHeld(slots.filter((s) => s.gateway).length);
  };

  /**
   * Every heartbeat: hand an adopted slot over while a spare waits; else adopt one lapsed slot
   * (one at a time, so the new connections fill ejabberd's free slots in turn).
   */
  const watch = () => {
    watcher = setTimeout(() => {
      adopting = (async () => {
        if ((await spares.waiting()) > 0) {
          const extra = slots.find((s) => s.gateway && s !== home);
          if (extra && !abort.signal.aborted) await handOver(extra);
          return;
        }
        for (const slot of slots) {
          if (!slot.gateway || slot === home || abort.signal.aborted || !(await takeConnectionsClosed(slot.leasePool))) continue;
          // Adopted from a frozen instance that has now exited: connect again to take its ejabberd slot.
          log.warn({ event: 'slot_reconnect', slot: slot.index }, `shard: the previous holder of slot ${slot.index} exited; reconnecting its components`);
          await slot.gateway.stop();
          await slot.store!.closed();
          await runGateway(slot, slot.fence!, false);
        }
        for (const slot of slots) {
          if (slot.gateway || abort.signal.aborted) continue;
          const fence = await tryTake(slot, true);
          if (fence && !abort.signal.aborted) {
            await startSlot(slot, fence, false);
            break;
          }
        }
      })()
        .catch((err: unknown) => onFatal(err instanceof Error ? err : new Error(String(err))))
        .finally(() => !abort.signal.aborted && watch());
    }, heartbeatMs);
  };

  const started = (async () => {
    await spareHttp?.listen();
    await createSlotSchemas(
      pool,
      slots.map((s) => s.schema),
    );
    for (const s of slots) await s.lease.prepare();
    // Instances starting together try the slots from different places.
    const offset = Math.floor(Math.random() * slots.length);
    let fence: Fence | undefined;
    for (let spare = false; ; spare = true) {
      abort.signal.throwIfAborted();
      if (spare)
        await spares.announce(me).catch((err: unknown) => log.warn({ event: 'lease_error', err: (err as Error).message }, `spare: ${(err as Error).message}`));
      for (let k = 0; k < slots.length && !fence; k++) {
        home = slots[(offset + k) % slots.length]!;
        fence = await tryTake(home, false);
      }
      if (fence) break;
      home = undefined;
      await sleep(heartbeatMs);
    }
    await spares.withdraw(me).catch(() => undefined);
    await spareHttp?.close();
    await startSlot(home!, fence, true);
    if (!abort.signal.aborted) watch();
  })();
  started.catch((err: unknown) => {
    if (!abort.signal.aborted) onFatal(err instanceof Error ? err : new Error(String(err)));
  });

  return {
    reload: () => slots.forEach((s) => void s.gateway?.reload()),
    async stop(final = false) {
      abort.abort();
      if (watcher) clearTimeout(watcher);
      await started.catch(() => undefined);
      await adopting.catch(() => undefined);
      await spareHttp?.close().catch(() => undefined);
      await Promise.all(
        slots.map(async (s) => {
          if (s.gateway) await s.gateway.stop(final);
          if (s.store) await s.store.closed();
          await s.lease
            .release()
            .catch((err: unknown) =>
              log.error({ event: 'lease_release_failed', slot: s.index, err: (err as Error).message }, 'could not release a slot lease'),
            );
        }),
      );
      await Promise.all([pool.end(), ...slots.map((s) => s.leasePool.end())]);
    },
  };
}
