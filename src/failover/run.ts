/**
 * Running on a PostgreSQL store (design.md §5a): wait as a standby until this instance holds the
 * lease, then load the store and start the gateway as the active instance. A standby answers
 * /healthz (503, role "standby", who holds the lease) and /metrics, and nothing else: no
 * component connections, no IRC, no SMTP listener, no webhooks.
 */
import type { Logger } from 'pino';
import type { LoadedConfig } from '../config.js';
import { openPostgresStore, pgPool, type PostgresStore } from '../core/postgres/store.js';
import { GatewayHttp } from '../http.js';
import { Gateway } from '../runtime.js';
import { Lease } from './lease.js';
import { FailoverMetrics } from './metrics.js';

export interface FailoverRun {
  /** Graceful stop: the gateway, the last commit, then the lease goes to a standby at once. `final`: see Gateway.stop. */
  stop(final?: boolean): Promise<void>;
  /** SIGHUP: reload the config of the active gateway (a standby reads it when it takes over). */
  reload(): void;
}

export function runWithFailover(
  config: LoadedConfig,
  log: Logger,
  url: string,
  onFatal: (err: Error) => void,
  onLeaseLost: (why: string) => void,
): FailoverRun {
  const { core } = config;
  const metrics = new FailoverMetrics();
  const pool = pgPool(url, 2);
  pool.on('error', (err) => log.warn({ event: 'lease_pool_error', err: err.message }, `lease connection: ${err.message}`));
  const lease = new Lease(pool, { name: core.store.lease.name, ttlMs: core.store.lease.ttl_ms, heartbeatMs: core.store.lease.heartbeat_ms }, metrics, log);
  const abort = new AbortController();
  let gateway: Gateway | undefined;
  let store: PostgresStore | undefined;
  const standbyHttp = core.http.enabled
    ? new GatewayHttp({
        host: core.http.host,
        port: core.http.port,
        log,
        health: () => ({ ok: false, problems: ['standby: another instance holds the lease'], role: 'standby', lease: lease.info() }),
        metrics: () => metrics.render(),
      })
    : undefined;

  const started = (async () => {
    await standbyHttp?.listen();
    log.info({ event: 'standby', holder: lease.holder }, 'standby: waiting for the lease');
    const fence = await lease.acquire(abort.signal);
    await standbyHttp?.close();
    lease.keep(onLeaseLost);
    store = await openPostgresStore({
      url,
      fence,
      onCommit: (s, rows) => metrics.committed(s, rows),
      onCommitError: (err) => log.error({ event: 'commit_failed', err: err.message }, `store commit failed: ${err.message}`),
    });
    gateway = new Gateway(config, log, { store, role: () => ({ role: 'active', lease: lease.info() }), registry: metrics.registry });
    await gateway.start(onFatal);
  })();
  started.catch((err: unknown) => {
    if (!abort.signal.aborted) onFatal(err instanceof Error ? err : new Error(String(err)));
  });

  return {
    reload: () => void gateway?.reload(),
    async stop(final = false) {
      abort.abort();
      await started.catch(() => undefined);
      await standbyHttp?.close().catch(() => undefined);
      if (gateway) await gateway.stop(final);
      if (store) await store.closed();
      await lease.release().catch((err: unknown) => log.error({ event: 'lease_release_failed', err: (err as Error).message }, 'could not release the lease'));
      await pool.end();
    },
  };
}
