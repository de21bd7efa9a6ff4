/**
 * A TCP fault proxy for the tests (design.md §9): it sits between the gateway and a peer (XMPP
 * server, IRC server, SMTP relay, Twilio API) on a free loopback port and forwards to the peer
 * until told to misbehave. Faults: refuse the next N connections (accepted then reset), reset the
 * live connections, close connections cleanly (FIN, no reset: the live ones, the next N at once,
 * or one where given bytes pass), accept and hang (never forward), delay each chunk, throttle
 * bytes/s, and go down (the port refuses connections) and come back up on the same port.
 *
 * A reset and a clean close are different faults to a client: a reset is a socket error
 * (ECONNRESET), a clean close is an orderly EOF that a client may take for the end of a
 * conversation (nodemailer's pool, for one, requeues a mail whose connection ended before the
 * greeting instead of failing it).
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { FaultProxy, FaultProxyStats, Way } from './fault-proxy-types.js';
import { freePort } from './ports.js';

export type { FaultProxy, FaultProxyStats, Way } from './fault-proxy-types.js';

interface Pipe {
  client: Socket;
  upstream?: Socket;
  /** Writes still owed to each side, in order. */
  queues: { up: Promise<void>; down: Promise<void> };
  /** Chunks that arrived while hanging, released when the hang ends. */
  held: Array<() => void>;
  hung: boolean;
  /** Closed cleanly on purpose: nothing more is forwarded, each side gets its FIN. */
  ending: boolean;
  /** The last bytes seen each way while an endAt is armed, for a match across chunks. */
  tails: { up: Buffer; down: Buffer };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function startFaultProxy(target: { host?: string; port: number }, options: { port?: number } = {}): Promise<FaultProxy> {
  const host = target.host ?? '127.0.0.1';
  const port = options.port ?? (await freePort());
  const stats: FaultProxyStats = { accepted: 0, forwarded: 0, reset: 0, ended: 0, open: 0 };
  const pipes = new Set<Pipe>();
  /** Sockets closed cleanly that the far end has not closed yet: destroyed when the proxy stops. */
  const closing = new Set<Socket>();
  let refuseNext = 0;
  let endNextCount = 0;
  let endTrigger: { way: Way; text: Buffer } | undefined;
  let hanging = false;
  let delayMs = 0;
  let rate: number | undefined;
  let server: Server | undefined;

  const kill = (pipe: Pipe): void => {
    stats.reset += 1;
    pipe.client.resetAndDestroy();
    pipe.upstream?.resetAndDestroy();
  };

  /** FIN to a socket once what it is owed is written; it is destroyed when the proxy stops, if not before. */
  const endSocket = (socket: Socket, owed: Promise<void>): void => {
    closing.add(socket);
    socket.once('close', () => closing.delete(socket));
    void owed.then(() => socket.end());
  };

  const end = (pipe: Pipe): void => {
    if (pipe.ending) return;
    pipe.ending = true;
    stats.ended += 1;
    for (const go of pipe.held.splice(0)) go();
    endSocket(pipe.client, pipe.queues.down);
    if (pipe.upstream) endSocket(pipe.upstream, pipe.queues.up);
  };

  /** The part of `chunk` to pass on before an armed endAt matches, or undefined when it does not. */
  const cutAtTrigger = (pipe: Pipe, way: Way, chunk: Buffer): Buffer | undefined => {
    if (!endTrigger || endTrigger.way !== way) return undefined;
    const tail = pipe.tails[way];
    const seen = Buffer.concat([tail, chunk]);
    const at = seen.indexOf(endTrigger.text);
    if (at < 0) {
      pipe.tails[way] = seen.subarray(Math.max(0, seen.length - endTrigger.text.length + 1));
      return undefined;
    }
    endTrigger = undefined;
    return chunk.subarray(0, Math.max(0, at - tail.length));
  };

  /** Pass one chunk on after the delay and at the throttled rate, behind the chunks before it. */
  const forward = (pipe: Pipe, way: Way, whole: Buffer, to: Socket): void => {
    if (pipe.ending) return;
    const cut = cutAtTrigger(pipe, way, whole);
    const chunk = cut ?? whole;
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
    if (chunk.length > 0) {
      if (hanging) pipe.held.push(go);
      else go();
    }
    if (cut) end(pipe);
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
    if (endNextCount > 0) {
      endNextCount -= 1;
      stats.ended += 1;
      client.resume(); // read and drop what the client sends: unread bytes would turn the close into a reset
      endSocket(client, Promise.resolve());
      return;
    }
    const pipe: Pipe = {
      client,
      queues: { up: Promise.resolve(), down: Promise.resolve() },
      held: [],
      hung: hanging,
      ending: false,
      tails: { up: Buffer.alloc(0), down: Buffer.alloc(0) },
    };
    pipes.add(pipe);
    stats.open += 1;
    client.once('close', () => {
      pipes.delete(pipe);
      stats.open -= 1;
      // After a clean close the target gets its FIN and closes in its own time (endSocket).
      if (!pipe.ending) pipe.upstream?.destroy();
    });
    if (pipe.hung) return; // accepted, never forwarded: its bytes go nowhere
    const upstream = connect({ host, port: target.port, noDelay: true });
    pipe.upstream = upstream;
    client.setNoDelay(true);
    upstream.on('error', () => {
      if (!pipe.ending) client.resetAndDestroy();
    });
    upstream.once('connect', () => (stats.forwarded += 1));
    upstream.on('data', (chunk: Buffer) => forward(pipe, 'down', chunk, client));
    client.on('data', (chunk: Buffer) => forward(pipe, 'up', chunk, upstream));
    // A clean close passes through once the bytes before it have been written.
    upstream.once('end', () => void pipe.queues.down.then(() => client.end()));
    client.once('end', () => void pipe.queues.up.then(() => upstream.end()));
    upstream.once('close', () => {
      if (!pipe.ending) void pipe.queues.down.then(() => client.destroy());
    });
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
      for (const socket of closing) socket.destroy();
      closing.clear();
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
    endAll() {
      for (const pipe of pipes) end(pipe);
    },
    endNext(n) {
      endNextCount = n;
    },
    endAt(way, text) {
      endTrigger = { way, text: Buffer.from(text) };
      for (const pipe of pipes) pipe.tails[way] = Buffer.alloc(0);
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
      endNextCount = 0;
      endTrigger = undefined;
      delayMs = 0;
      rate = undefined;
      hang(false);
    },
    close: stopListening,
  };
}
