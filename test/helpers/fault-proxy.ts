/**
 * A TCP fault proxy for the tests (design.md §9): it sits between the gateway and a peer (XMPP
 * server, IRC server, SMTP relay, Twilio API) on a free loopback port and forwards to the peer
 * until told to misbehave. Faults: refuse the next N connections (accepted then reset), reset the
 * live connections, accept and hang (never forward), delay each chunk, throttle bytes/s, and go
 * down (the port refuses connections) and come back up on the same port.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { freePort } from './ports.js';

export interface FaultProxyStats {
  /** Connections accepted since the start (refused and hung ones included). */
  accepted: number;
  /** Connections that reached the target. */
  forwarded: number;
  /** Connections reset on purpose (refused, reset, went down). */
  reset: number;
  /** Connections open now. */
  open: number;
}

export interface FaultProxy {
  readonly port: number;
  readonly stats: FaultProxyStats;
  /** The next `n` connections are accepted and reset at once (the client sees ECONNRESET). */
  refuse(n: number): void;
  /** Reset every live connection now (a peer that crashed mid-stream). */
  resetAll(): void;
  /** While on, new connections are accepted and never forwarded, and live ones stop moving bytes. */
  hang(on: boolean): void;
  /** Hold each chunk `ms` before passing it on (order kept; 0 turns it off). */
  delay(ms: number): void;
  /** At most this many bytes/s each way per connection (undefined turns it off). */
  throttle(bytesPerSecond: number | undefined): void;
  /** Stop listening and reset the live connections: connecting now fails with ECONNREFUSED. */
  down(): Promise<void>;
  /** Listen again on the same port. Resolves once a connection would be accepted. */
  up(): Promise<void>;
  /** Back to plain forwarding (no refusals, hang, delay or throttle). */
  heal(): void;
  close(): Promise<void>;
}

interface Pipe {
  client: Socket;
  upstream?: Socket;
  /** Writes still owed to each side, in order. */
  queues: { up: Promise<void>; down: Promise<void> };
  /** Chunks that arrived while hanging, released when the hang ends. */
  held: Array<() => void>;
  hung: boolean;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function startFaultProxy(target: { host?: string; port: number }, options: { port?: number } = {}): Promise<FaultProxy> {
  const host = target.host ?? '127.0.0.1';
  const port = options.port ?? (await freePort());
  const stats: FaultProxyStats = { accepted: 0, forwarded: 0, reset: 0, open: 0 };
  const pipes = new Set<Pipe>();
  let refuseNext = 0;
  let hanging = false;
  let delayMs = 0;
  let rate: number | undefined;
  let server: Server | undefined;

  const kill = (pipe: Pipe): void => {
    stats.reset += 1;
    pipe.client.resetAndDestroy();
    pipe.upstream?.resetAndDestroy();
  };

  /** Pass one chunk on after the delay and at the throttled rate, behind the chunks before it. */
  const forward = (pipe: Pipe, way: 'up' | 'down', chunk: Buffer, to: Socket): void => {
    const arrived = Date.now();
    const send = async (): Promise<void> => {
      const wait = arrived + delayMs - Date.now();
      if (wait > 0) await sleep(wait);
      if (rate === undefined) {
        if (!to.destroyed) to.write(chunk);
        return;
      }
      // Slices of a tenth of a second's worth, each followed by its share of the second.
      const slice = Math.max(1, Math.floor(rate / 10));
      for (let i = 0; i < chunk.length; i += slice) {
        if (to.destroyed) return;
        const part = chunk.subarray(i, i + slice);
        to.write(part);
        await sleep((part.length / (rate ?? Infinity)) * 1000);
      }
    };
    const go = (): void => {
      pipe.queues[way] = pipe.queues[way].then(send, send);
    };
    if (hanging) pipe.held.push(go);
    else go();
  };

  const onConnection = (client: Socket): void => {
    stats.accepted += 1;
    client.on('error', () => undefined);
    if (refuseNext > 0) {
      refuseNext -= 1;
      stats.reset += 1;
      client.resetAndDestroy();
      return;
    }
    const pipe: Pipe = { client, queues: { up: Promise.resolve(), down: Promise.resolve() }, held: [], hung: hanging };
    pipes.add(pipe);
    stats.open += 1;
    client.once('close', () => {
      pipes.delete(pipe);
      stats.open -= 1;
      pipe.upstream?.destroy();
    });
    if (pipe.hung) return; // accepted, never forwarded: its bytes go nowhere
    const upstream = connect({ host, port: target.port, noDelay: true });
    pipe.upstream = upstream;
    client.setNoDelay(true);
    upstream.on('error', () => client.resetAndDestroy());
    upstream.once('connect', () => (stats.forwarded += 1));
    upstream.on('data', (chunk: Buffer) => forward(pipe, 'down', chunk, client));
    client.on('data', (chunk: Buffer) => forward(pipe, 'up', chunk, upstream));
    // A clean close passes through once the bytes before it have been written.
    upstream.once('end', () => void pipe.queues.down.then(() => client.end()));
    client.once('end', () => void pipe.queues.up.then(() => upstream.end()));
    upstream.once('close', () => void pipe.queues.down.then(() => client.destroy()));
  };

  const listen = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const s = createServer(onConnection);
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        s.off('error', reject);
        server = s;
        resolve();
      });
    });

  const stopListening = (): Promise<void> =>
    new Promise((resolve) => {
      const s = server;
      server = undefined;
      for (const pipe of pipes) kill(pipe);
      if (!s) resolve();
      else s.close(() => resolve());
    });

  await listen();

  const hang = (on: boolean): void => {
    hanging = on;
    if (on) return;
    for (const pipe of pipes) {
      for (const go of pipe.held.splice(0)) go();
    }
  };

  return {
    port,
    stats,
    refuse(n) {
      refuseNext = n;
    },
    resetAll() {
      for (const pipe of pipes) kill(pipe);
    },
    hang,
    delay(ms) {
      delayMs = ms;
    },
    throttle(bytesPerSecond) {
      rate = bytesPerSecond;
    },
    down: stopListening,
    async up() {
      if (!server) await listen();
    },
    heal() {
      refuseNext = 0;
      delayMs = 0;
      rate = undefined;
      hang(false);
    },
    close: stopListening,
  };
}
