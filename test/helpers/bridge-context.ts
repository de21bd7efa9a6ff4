/**
 * A real BridgeContext for adapter tests: the real SQLite store in a temp dir and the real HTTP
 * server on a free port, without an XMPP server. `inbound()` reads what the adapter delivered
 * (committed 'in' outbox rows), in order.
 */
import type { Registry } from 'prom-client';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { BridgeContext, BridgeHealth, UserQuery, UserQueryAnswer } from '../../src/core/bridge.js';
import { StanzaError } from '../../src/core/errors.js';
import { AccessPolicy } from '../../src/core/access.js';
import { createBridgeContext } from '../../src/core/context.js';
import type { CoreRooms } from '../../src/core/rooms.js';
import type { CoreArchive } from '../../src/core/archive.js';
import type { Inbound } from '../../src/core/model.js';
import { openSqliteStore } from '../../src/core/sqlite/store.js';
import type { OutboxRow, Store } from '../../src/core/store.js';
import { GatewayHttp } from '../../src/http.js';
import type { InboundItem } from '../../src/xmpp/stanza.js';

export interface TestBridgeContext {
  ctx: BridgeContext;
  /** The core's rooms of this context (what a bridge reports through ctx.rooms; self-ping, room info). */
  rooms: CoreRooms;
  /** The core's archive of this context (what a bridge records through ctx.archive; MAM). */
  archive: CoreArchive;
  store: Store;
  /** The SQLite file of `store`, to read raw rows. */
  storePath: string;
  http: GatewayHttp;
  /** http://127.0.0.1:<port> of the gateway HTTP server (when `http` was asked for). */
  baseUrl: string;
  /** Inbound events committed by the adapter, oldest first. */
  inbound(): Inbound[];
  /** Dead letters (ctx.deadLetter and exhausted retries). */
  deadLetters(): OutboxRow[];
  health: BridgeHealth[];
  /** The Prometheus text of the registries the bridge included (`ctx.metrics.include`). */
  metricsText(): Promise<string>;
  close(): Promise<void>;
}

export async function createTestContext(opts: {
  id: string;
  domain: string;
  users?: string[];
  domains?: string[];
  admins?: string[];
  http?: boolean;
  publicUrl?: string;
  /** The store's durability (default normal: tests need speed; benchmarks pass full). */
  synchronous?: 'full' | 'normal';
  /** Answers of the user's clients to `ctx.queryUser` (default: service-unavailable). */
  queryUser?: (q: UserQuery) => Promise<UserQueryAnswer>;
  /** Collects the bridge's log records (level info and up) here; without it the bridge logs nothing. */
  logs?: Array<Record<string, unknown>>;
  /** The key users' secrets are sealed with (config `secrets`); absent: none may be stored. */
  secretKey?: Buffer;
}): Promise<TestBridgeContext> {
  const dir = mkdtempSync(join(tmpdir(), `sb-${opts.id}-`));
  const storePath = join(dir, 'store.sqlite');
  const store = openSqliteStore({ path: storePath, synchronous: opts.synchronous ?? 'normal' });
  const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const access = new AccessPolicy({ users: opts.users ?? [], domains: opts.domains ?? [] }, opts.admins ?? []);
  const http = new GatewayHttp({
    host: '127.0.0.1',
    port: 0,
    ...(opts.publicUrl ? { publicUrl: opts.publicUrl } : {}),
    log,
    health: () => ({ ok: true, problems: [] }),
    metrics: async () => ({ contentType: 'text/plain', body: '' }),
  });
  const health: BridgeHealth[] = [];
  const abort = new AbortController();
  const included: Registry[] = [];
  const ctx = createBridgeContext({
    id: opts.id,
    domain: opts.domain,
    store,
    log: (opts.logs ? pino({ level: 'info' }, { write: (line: string) => opts.logs!.push(JSON.parse(line) as Record<string, unknown>) }) : log).child({ bridge: opts.id }),
    http: http.forBridge(opts.id),
    metrics: { count: () => undefined, include: (registry) => included.push(registry) },
    signal: abort.signal,
    clock: { now: () => Date.now() },
    isAllowed: (u) => access.isAllowed(u),
    isAdmin: (u) => access.isAdmin(u),
    onEnqueued: () => undefined,
    onHealth: (h) => health.push(h),
    queryUser: (q) => (opts.queryUser ? opts.queryUser(q) : Promise.reject(new StanzaError('service-unavailable', 'no XMPP client in this test'))),
    secretKey: opts.secretKey,
  });
  if (opts.http) await http.listen();
  return {
    ctx,
    rooms: ctx.rooms,
    archive: ctx.archive,
    store,
    storePath,
    metricsText: async () => (await Promise.all(included.map((r) => r.metrics()))).join('\n'),
    http,
    baseUrl: opts.http ? `http://127.0.0.1:${http.port}` : '',
    // The events as the adapter gave them, without the stanza ids the core fixed (stanza.ts withStanzaIds).
    inbound: () =>
      store.outbox.list(opts.id, { direction: 'in', state: 'pending' }, 100_000).map((r) => {
        const { ids: _ids, ...event } = JSON.parse(r.payload) as InboundItem;
        return event as Inbound;
      }),
    deadLetters: () => store.outbox.list(opts.id, { state: 'dead' }, 100_000),
    health,
    async close() {
      abort.abort();
      await http.close();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
