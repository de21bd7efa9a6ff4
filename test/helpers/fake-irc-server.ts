/**
 * A scripted IRC server for hostile-server tests: a TCP server on a free loopback port that the
 * IRC bridge connects to like any configured network.
 *
 * Why a fake: no real server sends what these tests need. ngircd (and every ircd) refuses or
 * strips control characters in nicks and channels, never sends NUL, invalid UTF-8 or lines over
 * 512 bytes, always ends NAMES with 366, WHO with 315, LIST with 323, MOTD with 376, and never
 * answers every connection with ERROR. A broken or hostile server does all of these (design.md
 * §9 "hostile fakes"), so the test plays that server: it completes registration (001–005, the
 * MOTD, optional CAP), then writes any bytes it likes, runs endless streams with backpressure, or
 * behaves badly from the first byte. Everything the client sent is recorded.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { waitFor } from './wait.js';

/** How a new connection is treated: registered normally, ignored (never a byte), or `ERROR` then closed. */
export type FakeIrcBehaviour = 'register' | 'silent' | 'error' | 'cap-ls-forever' | 'motd-forever';

export interface FakeIrcServerOptions {
  /** Per connection (0-based index): default always 'register'. */
  behaviour?: (index: number) => FakeIrcBehaviour;
  /** Capabilities offered to `CAP LS` (none by default: `CAP * LS :`). */
  caps?: string[];
  /** Tokens added to the RPL_ISUPPORT (005) line, e.g. `CHATHISTORY=50`. */
  isupport?: string[];
  /** Members listed besides the joiner when a client JOINs (default none). */
  members?: string[];
  /** Text of the `ERROR` line for the 'error' behaviour. */
  errorText?: string;
  /** Answer a line from the client yourself (return true) instead of the default (a JOIN gets its echo + 353 + 366). */
  onLine?: (client: FakeIrcClient, line: string) => boolean;
}

export interface FakeIrcClient {
  index: number;
  /** Lines the client sent, without CR LF, in order. */
  received: string[];
  /** The nick the client registered with ('' before NICK). */
  nick: string;
  /** Settles when registration (001…376) was sent. */
  registered: Promise<void>;
  readonly closed: boolean;
  /** Write bytes exactly as given (add the CR LF yourself): any byte, NUL and invalid UTF-8 included. */
  send(data: string | Buffer): void;
  /** Write one line plus CR LF. */
  line(text: string): void;
  /**
   * Write `make(i)` for i = 0, 1, … as fast as the client reads (honouring backpressure) until
   * `stop()`, `count` lines, or the connection closes.
   */
  stream(make: (i: number) => string | Buffer, count?: number): FakeStream;
  /** Stop every stream of this connection (also the ones a behaviour started). */
  stopStreams(): Promise<void>;
  /** Wait for a line from the client matching `pred`. */
  expect(pred: (line: string) => boolean, what: string, timeoutMs?: number): Promise<string>;
  close(): void;
}

export interface FakeStream {
  /** Lines written so far. */
  readonly sent: number;
  stop(): Promise<void>;
  done: Promise<void>;
}

export interface FakeIrcServer {
  port: number;
  /** Every connection accepted, in order. */
  clients: FakeIrcClient[];
  /** Accept times (ms since epoch) of every connection. */
  acceptedAt: number[];
  /** The `index`-th connection, waiting for it. */
  client(index: number, timeoutMs?: number): Promise<FakeIrcClient>;
  close(): Promise<void>;
}

const SERVER = 'fake.irc';

export async function startFakeIrcServer(opts: FakeIrcServerOptions = {}): Promise<FakeIrcServer> {
  const clients: FakeIrcClient[] = [];
  const acceptedAt: number[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined); // the gateway may reset: that is its right
    const index = clients.length;
    acceptedAt.push(Date.now());
    clients.push(handle(socket, index, opts.behaviour?.(index) ?? 'register', opts));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('fake IRC server has no TCP address');
  return {
    port: address.port,
    clients,
    acceptedAt,
    client: (index, timeoutMs = 15_000) => waitFor(() => clients[index], `fake IRC connection #${index}`, timeoutMs),
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function handle(socket: Socket, index: number, behaviour: FakeIrcBehaviour, opts: FakeIrcServerOptions): FakeIrcClient {
  let buffer = '';
  let user = false;
  let capPending = false;
  let markRegistered!: () => void;
  const registered = new Promise<void>((r) => (markRegistered = r));
  const streams = new Set<FakeStream>();
  const write = (data: string | Buffer) => {
    if (!socket.destroyed) socket.write(data);
  };
  const client: FakeIrcClient = {
    index,
    received: [],
    nick: '',
    registered,
    get closed() {
      return socket.destroyed;
    },
    send: write,
    line: (text) => write(`${text}\r\n`),
    stream: (make, count = Infinity) => startStream(socket, make, count, streams),
    stopStreams: async () => {
      await Promise.all([...streams].map((s) => s.stop()));
    },
    expect: (pred, what, timeoutMs = 10_000) => waitFor(() => client.received.find(pred), `fake IRC server to receive ${what}`, timeoutMs),
    close: () => socket.destroy(),
  };
  socket.on('close', () => {
    for (const s of streams) void s.stop();
  });
  socket.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    let nl: number;
    while ((nl = buffer.indexOf('\n')) !== -1) {
      const line = buffer.slice(0, nl).replace(/\r$/, '');
      buffer = buffer.slice(nl + 1);
      client.received.push(line);
      // 'silent' accepts and never speaks, but still records.
      if (behaviour !== 'silent' && behaviour !== 'error') onLine(line);
    }
  });
  if (behaviour === 'error') {
    client.line(`ERROR :${opts.errorText ?? 'Closing Link: 127.0.0.1 (Too many connections from your host)'}`);
    socket.end();
  }
  const register = () => {
    const n = client.nick;
    client.line(`:${SERVER} 001 ${n} :Welcome to the fake network ${n}`);
    client.line(`:${SERVER} 002 ${n} :Your host is ${SERVER}`);
    client.line(`:${SERVER} 003 ${n} :This server was created today`);
    client.line(`:${SERVER} 004 ${n} ${SERVER} fake-1 io ovimnstk`);
    client.line(`:${SERVER} 005 ${n} CHANTYPES=# PREFIX=(ov)@+ CASEMAPPING=rfc1459 NETWORK=Fake${(opts.isupport ?? []).map((t) => ` ${t}`).join('')} :are supported by this server`);
    client.line(`:${SERVER} 375 ${n} :- ${SERVER} Message of the day -`);
    if (behaviour === 'motd-forever') {
      client.stream((i) => `:${SERVER} 372 ${n} :- endless MOTD line ${i}\r\n`);
      return;
    }
    client.line(`:${SERVER} 372 ${n} :- Be nice`);
    client.line(`:${SERVER} 376 ${n} :End of MOTD`);
    markRegistered();
  };
  const maybeRegister = () => {
    if (client.nick && user && !capPending) register();
  };
  function onLine(line: string): void {
    if (client.nick && opts.onLine?.(client, line)) return;
    const [command = '', ...rest] = line.split(' ');
    switch (command.toUpperCase()) {
      case 'CAP':
        if (rest[0] === 'LS') {
          capPending = true;
          if (behaviour === 'cap-ls-forever') client.stream((i) => `:${SERVER} CAP * LS * :fake-cap-${i} another-${i}=value\r\n`);
          else client.line(`:${SERVER} CAP * LS :${(opts.caps ?? []).join(' ')}`);
        } else if (rest[0] === 'REQ') client.line(`:${SERVER} CAP * ACK ${rest.slice(1).join(' ')}`);
        else if (rest[0] === 'END') {
          capPending = false;
          maybeRegister();
        }
        break;
      case 'NICK': {
        const wasSet = client.nick !== '';
        const nick = (rest[0] ?? '').replace(/^:/, '');
        if (wasSet) client.line(`:${client.nick}!u@fake.host NICK :${nick}`);
        client.nick = nick;
        if (!wasSet) maybeRegister();
        break;
      }
      case 'USER':
        user = true;
        maybeRegister();
        break;
      case 'PING':
        client.line(`:${SERVER} PONG ${SERVER} ${rest.join(' ')}`);
        break;
      case 'JOIN': {
        const channel = rest[0] ?? '';
        client.line(`:${client.nick}!u@fake.host JOIN ${channel}`);
        client.line(`:${SERVER} 353 ${client.nick} = ${channel} :${[`@${client.nick}`, ...(opts.members ?? [])].join(' ')}`);
        client.line(`:${SERVER} 366 ${client.nick} ${channel} :End of NAMES list`);
        break;
      }
      case 'PART':
        client.line(`:${client.nick}!u@fake.host PART ${rest[0] ?? ''}`);
        break;
      case 'QUIT':
        client.line('ERROR :Closing Link: quit');
        socket.end();
        break;
    }
  }
  return client;
}

function startStream(socket: Socket, make: (i: number) => string | Buffer, count: number, streams: Set<FakeStream>): FakeStream {
  let sent = 0;
  let stopped = false;
  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));
  const stream: FakeStream = {
    get sent() {
      return sent;
    },
    async stop() {
      stopped = true;
      socket.off('drain', pump);
      streams.delete(stream);
      finish();
      await done;
    },
    done,
  };
  function pump(): void {
    while (!stopped && sent < count && !socket.destroyed) {
      const ok = socket.write(make(sent++));
      if (!ok) {
        socket.once('drain', pump);
        return;
      }
    }
    if (!stopped) void stream.stop();
  }
  streams.add(stream);
  setImmediate(pump);
  return stream;
}
