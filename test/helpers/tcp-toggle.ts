/**
 * A TCP forwarder on a fixed loopback port that can be taken down (listener closed, open
 * connections reset: the peer looks unreachable, ECONNREFUSED) and brought up again on the same
 * port. A minimal stand-in until the fault proxy (test/helpers/fault-proxy.ts) covers it.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { freePort } from './ports.js';

export interface TcpToggle {
  port: number;
  url: string;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpToggle(targetPort: number): Promise<TcpToggle> {
  const port = await freePort();
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  const up = async (): Promise<void> => {
    if (server) return;
    const s = createServer((client) => {
      const upstream = createConnection({ host: '127.0.0.1', port: targetPort });
      for (const sock of [client, upstream]) {
        sockets.add(sock);
        sock.once('close', () => sockets.delete(sock));
        sock.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.once('close', () => upstream.destroy());
      upstream.once('close', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => resolve());
    });
    server = s;
  };
  const down = async (): Promise<void> => {
    const s = server;
    server = undefined;
    for (const sock of sockets) sock.resetAndDestroy();
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  };
  await up();
  return { port, url: `http://127.0.0.1:${port}`, down, up, close: down };
}
