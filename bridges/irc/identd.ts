/**
 * The built-in ident server (RFC 1413): IRC servers that look up the ident of a connection ask
 * `<port on our side> , <port on theirs>` and get the stable ident of the user whose connection
 * that is (user-ident.ts), so the username on IRC carries no `~`. Input is bounded: a line is at
 * most QUERY_MAX_BYTES, connections are few and short-lived.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { IdentRegistry } from './ident-registry.js';

/** RFC 1413 gives no limit; a query is two port numbers and a few spaces. */
export const QUERY_MAX_BYTES = 1000;
/** Queries in one connection (RFC 1413 allows several); more closes it. */
const QUERIES_PER_CONNECTION = 16;

export type IdentQuery = { localPort: number; remotePort: number } | { invalid: true; localPort: number; remotePort: number };

/**
 * One query line, CR LF (or LF) already removed: `<port-on-server> , <port-on-client>` (RFC 1413 §3,
 * spaces allowed around the comma). Ports outside 1–65535 or anything else is INVALID-PORT.
 */
export function parseIdentQuery(line: string): IdentQuery {
  const m = /^[ \t]*(\d{1,5})[ \t]*,[ \t]*(\d{1,5})[ \t]*$/.exec(line);
  if (!m) return { invalid: true, localPort: 0, remotePort: 0 };
  const localPort = Number(m[1]);
  const remotePort = Number(m[2]);
  const inRange = (p: number) => p >= 1 && p <= 65535;
  if (!inRange(localPort) || !inRange(remotePort)) return { invalid: true, localPort, remotePort };
  return { localPort, remotePort };
}

/** The answer line (RFC 1413 §3), with CR LF. */
export function identReply(q: IdentQuery, ident: string | undefined): string {
  const ports = `${q.localPort} , ${q.remotePort}`;
  if ('invalid' in q) return `${ports} : ERROR : INVALID-PORT\r\n`;
  return ident === undefined ? `${ports} : ERROR : NO-USER\r\n` : `${ports} : USERID : UNIX : ${ident}\r\n`;
}

export interface IdentdOptions {
  /** Absent: every address (`::`, with IPv4 too where the system has IPv6, else 0.0.0.0: node's default). */
  address?: string | undefined;
  port: number;
  /** RFC 1413 §2 lets the server drop an idle connection; IRC servers wait 5–10 s for an answer themselves. */
  idleMs?: number;
  /** Connections open at once; a new one over the bound is closed at once. */
  maxConnections?: number;
  /** Each answer, for the operator's debug log. */
  onAnswer?: (answer: { askedBy: string; localPort: number; remotePort: number; ident: string | undefined }) => void;
}

export class IdentServer {
  private server: Server | undefined;
  private readonly open = new Set<Socket>();

  constructor(
    private readonly registry: IdentRegistry,
    private readonly opts: IdentdOptions,
  ) {}

  /** Listen; a port that cannot be bound (113 without the privilege) fails with what to do about it. */
  async start(): Promise<void> {
    const server = createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        const hint =
          err.code === 'EACCES'
            ? ': a port below 1024 needs root or CAP_NET_BIND_SERVICE, or listen on a high port and redirect 113 to it (bridges/irc/README.md)'
            : '';
        reject(new Error(`identd: cannot listen on ${this.opts.address ?? '*'}:${this.opts.port} (${err.code ?? err.message})${hint}`, { cause: err }));
      });
      if (this.opts.address === undefined) server.listen(this.opts.port, () => resolve());
      else server.listen(this.opts.port, this.opts.address, () => resolve());
    });
    this.server = server;
  }

  /** The port listened on (the configured one, or the kernel's pick for port 0). */
  get port(): number {
    const addr = this.server?.address();
    return addr && typeof addr === 'object' ? addr.port : this.opts.port;
  }

  async stop(): Promise<void> {
    for (const s of this.open) s.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    if (this.open.size >= (this.opts.maxConnections ?? 256)) {
      socket.destroy();
      return;
    }
    this.open.add(socket);
    socket.once('close', () => this.open.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.setTimeout(this.opts.idleMs ?? 15_000, () => socket.destroy());
    const askedBy = socket.remoteAddress ?? '';
    let pending = Buffer.alloc(0);
    let answered = 0;
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        const lf = pending.indexOf(0x0a);
        if (lf < 0) {
          if (pending.length > QUERY_MAX_BYTES) this.refuse(socket);
          return;
        }
        const line = pending.subarray(0, lf).toString('latin1').replace(/\r$/, '');
        pending = pending.subarray(lf + 1);
        if (lf > QUERY_MAX_BYTES) return this.refuse(socket);
        const q = parseIdentQuery(line);
        if ('invalid' in q) return this.refuse(socket, q);
        const ident = this.registry.lookup(q.localPort, q.remotePort, askedBy);
        this.opts.onAnswer?.({ askedBy, localPort: q.localPort, remotePort: q.remotePort, ident });
        socket.write(identReply(q, ident));
        if (++answered >= QUERIES_PER_CONNECTION) {
          socket.end();
          return;
        }
      }
    });
  }

  private refuse(socket: Socket, q: IdentQuery = { invalid: true, localPort: 0, remotePort: 0 }): void {
    socket.removeAllListeners('data');
    socket.end(identReply(q, undefined));
  }
}
