/**
 * The gateway's one HTTP server (design.md §8): /healthz, /metrics, and bridge mounts under
 * /<bridge>/…. Started only when enabled and something needs it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { BridgeHttp, HttpHandler } from './core/bridge.js';
import type { LeaseInfo } from './failover/lease.js';
import type { ShardSlotInfo } from './failover/slots.js';

export interface HealthReport {
  ok: boolean;
  problems: string[];
  /** Whether each bridge can reach its network: detail only, a route down is not a gateway down. */
  bridges?: Record<string, { canDeliver: boolean; reason?: string }>;
  /** With a PostgreSQL store: this instance's role and lease (src/failover/lease.ts); `shard` in sharded mode. */
  role?: 'active' | 'standby' | 'shard';
  lease?: LeaseInfo;
  /** Sharded mode: every slot, and which this instance holds (src/failover/slots.ts). */
  slots?: ShardSlotInfo[];
}

export interface HttpOptions {
  host: string;
  port: number;
  publicUrl?: string;
  log: Logger;
  health(): HealthReport;
  metrics(): Promise<{ contentType: string; body: string }>;
}

export class GatewayHttp {
  private readonly mounts = new Map<string, HttpHandler>();
  private server: Server | undefined;

  constructor(private readonly options: HttpOptions) {}

  /** The view a bridge gets: mounts under `/<bridgeId>`. */
  forBridge(bridgeId: string): BridgeHttp {
    const publicUrl = this.options.publicUrl ? `${this.options.publicUrl.replace(/\/$/, '')}/${bridgeId}` : undefined;
    return {
      mount: (path, handler) => {
        if (!path.startsWith('/')) throw new Error(`mount path must start with /: ${path}`);
        this.mounts.set(`/${bridgeId}${path}`, handler);
      },
      ...(publicUrl ? { publicUrl } : {}),
      server: () => this.server,
    };
  }

  get port(): number | undefined {
    const addr = this.server?.address() as AddressInfo | null | undefined;
    return addr?.port;
  }

  async listen(): Promise<void> {
    const server = createServer((req, res) => void this.route(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => resolve());
    });
    this.options.log.info({ event: 'http_listening', host: this.options.host, port: this.port }, `HTTP on ${this.options.host}:${this.port}`);
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private handlerFor(pathname: string): HttpHandler | undefined {
    // Longest mount that is the path or a parent folder of it.
    let best: { len: number; h: HttpHandler } | undefined;
    for (const [prefix, h] of this.mounts) {
      if ((pathname === prefix || pathname.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`)) && (!best || prefix.length > best.len)) {
        best = { len: prefix.length, h };
      }
    }
    return best?.h;
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    try {
      if (pathname === '/healthz') {
        const report = this.options.health();
        res.writeHead(report.ok ? 200 : 503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({
          status: report.ok ? 'ok' : 'unavailable',
          problems: report.problems,
          ...(report.bridges ? { bridges: report.bridges } : {}),
          ...(report.role ? { role: report.role } : {}),
          ...(report.lease ? { lease: report.lease } : {}),
          ...(report.slots ? { slots: report.slots } : {}),
        }));
        return;
      }
      if (pathname === '/metrics') {
        const m = await this.options.metrics();
        res.writeHead(200, { 'content-type': m.contentType });
        res.end(m.body);
        return;
      }
      const handler = this.handlerFor(pathname);
      if (!handler) {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not found\n');
        return;
      }
      await handler(req, res);
    } catch (err) {
      this.options.log.error({ event: 'http_error', path: pathname, err }, 'HTTP handler failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('internal error\n');
    }
  }
}
