/**
 * The gateway process: the store, the HTTP server, one pipeline per enabled bridge, config
 * reloads (SIGHUP) and the graceful stop (SIGTERM/SIGINT).
 */
import type { Logger } from 'pino';
import { loadConfig, type LoadedConfig } from './config.js';
import type { AccessConfig } from './config-schema.js';
import { AccessPolicy } from './core/access.js';
import { HandoffPoller } from './core/handoff.js';
import { BridgePipeline } from './core/pipeline.js';
import { openSqliteStore } from './core/sqlite/store.js';
import type { Store } from './core/store.js';
import { GatewayHttp, type HealthReport } from './http.js';
import { GatewayMetrics } from './metrics.js';
import type { MetricFamily } from './metrics-merge.js';
import type { Registry } from 'prom-client';

const PRUNE_EVERY_MS = 3_600_000;

export interface GatewayOptions {
  /** An opened store (the PostgreSQL store); default: the SQLite file of `store.path`. */
  store?: Store;
  /** This instance's role and lease, for /healthz. */
  role?: () => Pick<HealthReport, 'role' | 'lease' | 'slots'>;
  /** More metrics for /metrics. */
  registry?: Registry;
  /** Families merged into /metrics' own (sharded mode: the adopted slots' gateways, by slot). */
  mergeMetrics?: () => Promise<MetricFamily[]>;
}

function accessFor(config: LoadedConfig, id: string): AccessConfig {
  const own = config.bridges.find((b) => b.id === id)?.entry.access;
  return own && (own.users.length || own.domains.length) ? own : config.core.access;
}

export class Gateway {
  readonly store: Store;
  readonly http: GatewayHttp;
  readonly metrics: GatewayMetrics;
  readonly pipelines: BridgePipeline[] = [];
  private readonly policies = new Map<string, AccessPolicy>();
  private readonly abort = new AbortController();
  private pruneTimer: NodeJS.Timeout | undefined;
  private readonly handoff: HandoffPoller | undefined;
  private stopping: Promise<void> | undefined;

  constructor(
    private config: LoadedConfig,
    private readonly log: Logger,
    private readonly options: GatewayOptions = {},
  ) {
    const { core } = config;
    this.store = options.store ?? openSqliteStore({ path: core.store.path, synchronous: core.store.synchronous, commitDelayMs: core.store.commit_delay_ms });
    this.metrics = new GatewayMetrics(this.store, () => this.pipelines.map((p) => p.id));
    if (options.registry) this.metrics.include(options.registry);
    if (options.mergeMetrics) this.metrics.merge(options.mergeMetrics);
    this.http = new GatewayHttp({
      host: core.http.host,
      port: core.http.port,
      ...(core.http.public_url ? { publicUrl: core.http.public_url } : {}),
      log,
      health: () => this.health(),
      metrics: () => this.metrics.render(),
    });
    for (const loaded of config.bridges) {
      const access = new AccessPolicy(accessFor(config, loaded.id), core.admins);
      if (access.isEmpty) log.warn({ bridge: loaded.id, event: 'no_access' }, `bridge ${loaded.id}: no users or domains are allowed; only admins can use it`);
      this.policies.set(loaded.id, access);
      this.pipelines.push(
        new BridgePipeline({
          loaded,
          core,
          store: this.store,
          log,
          http: this.http,
          metrics: this.metrics,
          access,
          signal: this.abort.signal,
          reload: () => this.reload(),
          secretKey: config.secretKey,
        }),
      );
    }
    const queue = this.store.handoff;
    this.handoff = queue && new HandoffPoller({ queue, bridges: () => this.pipelines, log, now: () => Date.now() });
  }

  /** /healthz: every component online and the store writable. */
  health(): HealthReport {
    const problems: string[] = [];
    for (const p of this.pipelines) {
      if (p.component.status !== 'online') problems.push(`component ${p.domain} is ${p.component.status}`);
    }
    const store = this.store.writableProblem();
    if (store) problems.push(store);
    const bridges = Object.fromEntries(this.pipelines.map((p) => [p.id, p.health()]));
    return { ok: problems.length === 0, problems, bridges, ...this.options.role?.() };
  }

  /**
   * Start everything. Resolves once every component is online, or after `connect_timeout_ms`
   * (the components keep trying); rejects on a fatal start-up error (wrong secret, unknown host).
   */
  async start(onLateFatal: (err: Error) => void): Promise<void> {
    if (this.config.core.http.enabled) await this.http.listen();
    const started = Promise.all(this.pipelines.map((p) => p.start()));
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), this.config.core.xmpp.connect_timeout_ms).unref());
    const first = await Promise.race([started, timeout]);
    if (first === 'timeout') {
      this.log.warn({ event: 'start_slow' }, 'not every component is online yet; they keep trying in the background');
      started.catch(onLateFatal);
    }
    this.prune();
    this.pruneTimer = setInterval(() => this.prune(), PRUNE_EVERY_MS);
    this.pruneTimer.unref();
    this.handoff?.start();
    this.log.info({ event: 'started', bridges: this.pipelines.map((p) => `${p.id}=${p.domain}`) }, 'Switchboard started');
  }

  private prune(): void {
    const before = Date.now() - this.config.core.store.keep_done_hours * 3_600_000;
    const n = this.store.outbox.prune(before);
    if (n) this.log.info({ event: 'pruned', rows: n }, `pruned ${n} finished outbox items`);
  }

  /** SIGHUP / the reload command: access lists and admins change now; the rest needs a restart. */
  async reload(): Promise<string> {
    let next: LoadedConfig;
    try {
      next = await loadConfig(this.config.file, this.config.registry);
    } catch (err) {
      this.log.error({ event: 'reload_failed', err: (err as Error).message }, 'config reload failed; keeping the running config');
      return `Reload failed; the running configuration is kept.\n${(err as Error).message}`;
    }
    for (const [id, policy] of this.policies) policy.update(accessFor(next, id), next.core.admins);
    const strip = (c: LoadedConfig) =>
      JSON.stringify({
        ...c.core,
        admins: [],
        access: {},
        bridges: Object.fromEntries(Object.entries(c.core.bridges).map(([k, v]) => [k, { ...v, access: undefined }])),
      });
    const needsRestart = strip(next) !== strip(this.config);
    const text = `Configuration reloaded: access lists and admins updated.${needsRestart ? ' Other changes need a restart to take effect.' : ''}`;
    this.log.info({ event: 'reloaded', needsRestart }, text);
    this.config = { ...this.config, core: { ...this.config.core, admins: next.core.admins, access: next.core.access } };
    return text;
  }

  /**
   * Graceful stop. The users' rooms are kept and rejoined at the next start (an upgrade or a
   * restart is invisible, design.md §4a); `final` (`switchboard stop --final`, SIGUSR2) ends them
   * for every joined resource (XEP-0045 §9.3: 110 + 332), for a gateway that will not come back.
   */
  stop(final = false): Promise<void> {
    this.stopping ??= (async () => {
      this.log.info({ event: 'stopping', final }, final ? 'stopping for good' : 'stopping');
      if (this.pruneTimer) clearInterval(this.pruneTimer);
      this.abort.abort();
      await this.handoff?.stop();
      await Promise.all(this.pipelines.map((p) => p.stop(final)));
      await this.http.close();
      // Everything acknowledged is committed before the store closes (and, on PostgreSQL, before
      // the lease is released to a standby).
      await this.store
        .flush()
        .catch((err: unknown) => this.log.error({ event: 'final_commit_failed', err: (err as Error).message }, 'the final commit failed'));
      this.store.close();
      this.log.info({ event: 'stopped' }, 'stopped');
    })();
    return this.stopping;
  }
}
