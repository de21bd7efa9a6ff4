// The fault proxy itself, in front of a loopback echo server.
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { waitFor } from '../helpers/wait.js';

let echo: Server;
let echoPort: number;
let proxy: FaultProxy;
const sockets: Socket[] = [];

beforeEach(async () => {
  echo = createServer((s) => {
    s.on('error', () => undefined);
    s.pipe(s);
  });
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  echoPort = (echo.address() as { port: number }).port;
  proxy = await startFaultProxy({ port: echoPort });
});

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await proxy.close();
  await new Promise<void>((resolve) => echo.close(() => resolve()));
});

interface Client {
  socket: Socket;
  received(): string;
  error(): NodeJS.ErrnoException | undefined;
  closed(): boolean;
  /** The proxy closed it cleanly: EOF read ('end'), no socket error. */
  ended(): boolean;
}

function open(port = proxy.port): Promise<Client> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    sockets.push(socket);
    let data = '';
    let error: NodeJS.ErrnoException | undefined;
    let closed = false;
    let ended = false;
    const client: Client = { socket, received: () => data, error: () => error, closed: () => closed, ended: () => ended };
    socket.on('end', () => (ended = true));
    socket.on('data', (d: Buffer) => (data += d.toString()));
    socket.on('error', (e: NodeJS.ErrnoException) => (error = e));
    socket.on('close', () => {
      closed = true;
      resolve(client);
    });
    socket.once('connect', () => resolve(client));
  });
}

describe('fault proxy', () => {
  it('forwards both ways until told otherwise', async () => {
    const c = await open();
    c.socket.write('hello');
    await waitFor(() => c.received() === 'hello', 'the echo through the proxy');
    expect(proxy.stats).toMatchObject({ accepted: 1, forwarded: 1, reset: 0, open: 1 });
  });

  it('refuses the next N connections with a reset, then forwards again', async () => {
    proxy.refuse(2);
    for (let i = 0; i < 2; i++) {
      const c = await open();
      await waitFor(() => c.closed(), 'the refused connection to close');
      expect(c.error()?.code).toBe('ECONNRESET');
      expect(c.received()).toBe('');
    }
    const ok = await open();
    ok.socket.write('third');
    await waitFor(() => ok.received() === 'third', 'the third connection to work');
    expect(proxy.stats).toMatchObject({ accepted: 3, forwarded: 1, reset: 2 });
  });

  it('resets live connections mid-stream', async () => {
    const c = await open();
    c.socket.write('a');
    await waitFor(() => c.received() === 'a', 'the first byte');
    proxy.resetAll();
    await waitFor(() => c.closed(), 'the reset');
    expect(c.error()?.code).toBe('ECONNRESET');
  });

  it('closes live connections cleanly: the bytes already on their way arrive, then EOF, no reset', async () => {
    const a = await open();
    const b = await open();
    a.socket.write('before');
    await waitFor(() => a.received() === 'before', 'the echo before the close');
    proxy.endAll();
    await waitFor(() => a.closed() && b.closed(), 'both connections to close');
    for (const c of [a, b]) {
      expect(c.ended()).toBe(true);
      expect(c.error()).toBeUndefined();
    }
    expect(proxy.stats).toMatchObject({ ended: 2, reset: 0 });
    const after = await open();
    after.socket.write('after');
    await waitFor(() => after.received() === 'after', 'a new connection to work');
  });

  it('closes the next N connections cleanly at once, without reaching the target, then forwards again', async () => {
    proxy.endNext(2);
    for (let i = 0; i < 2; i++) {
      const c = await open();
      c.socket.write('ignored');
      await waitFor(() => c.closed(), 'the ended connection to close');
      expect(c.ended()).toBe(true);
      expect(c.error()).toBeUndefined();
      expect(c.received()).toBe('');
    }
    const ok = await open();
    ok.socket.write('third');
    await waitFor(() => ok.received() === 'third', 'the third connection to work');
    expect(proxy.stats).toMatchObject({ accepted: 3, forwarded: 1, ended: 2, reset: 0 });
  });

  it('closes a connection cleanly where given bytes pass: what came before them is forwarded, nothing after', async () => {
    const c = await open();
    proxy.endAt('up', 'STOP');
    c.socket.write('abcST');
    await waitFor(() => c.received() === 'abcST', 'the bytes before a partial match');
    // The match straddles two chunks: the close comes with the second one.
    c.socket.write('OPxyz');
    await waitFor(() => c.closed(), 'the close at the match');
    expect(c.ended()).toBe(true);
    expect(c.error()).toBeUndefined();
    expect(c.received()).toBe('abcST');
    // One-shot: the next connection passes the same bytes.
    const next = await open();
    next.socket.write('aSTOPb');
    await waitFor(() => next.received() === 'aSTOPb', 'the next connection to pass the text');
  });

  it('closes cleanly within one chunk, passing the bytes before the text', async () => {
    const c = await open();
    proxy.endAt('down', 'STOP');
    c.socket.write('12STOP34');
    await waitFor(() => c.closed(), 'the close at the match');
    expect(c.received()).toBe('12');
    expect(c.ended()).toBe(true);
    expect(c.error()).toBeUndefined();
  });

  it('accepts and hangs: nothing is forwarded, then live connections move again when the hang ends', async () => {
    const live = await open();
    proxy.hang(true);
    const hung = await open();
    hung.socket.write('lost');
    live.socket.write('held');
    // The echo would answer within a millisecond or two; nothing may arrive while hanging.
    await new Promise((r) => setTimeout(r, 150));
    expect(hung.received()).toBe('');
    expect(live.received()).toBe('');
    expect(proxy.stats.forwarded).toBe(1);
    proxy.hang(false);
    await waitFor(() => live.received() === 'held', 'the held bytes after the hang');
    expect(hung.received()).toBe('');
    expect(hung.closed()).toBe(false);
  });

  it('delays each chunk and keeps their order', async () => {
    const c = await open();
    proxy.delay(200);
    const started = Date.now();
    c.socket.write('1');
    c.socket.write('2');
    await waitFor(() => c.received() === '12', 'both chunks, in order');
    // Each way is delayed: at least 400 ms for the round trip, and not 200 ms per chunk on top.
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(390);
    expect(took).toBeLessThan(1500);
  });

  it('throttles bytes per second', async () => {
    const c = await open();
    proxy.throttle(20_000);
    const started = Date.now();
    c.socket.write(Buffer.alloc(20_000, 'x'));
    await waitFor(() => c.received().length === 20_000, '20 kB echoed');
    // 20 kB at 20 kB/s: the last byte leaves the proxy ~1 s after the first (the echo streams
    // back while the rest still goes up, so the round trip is not twice that).
    expect(Date.now() - started).toBeGreaterThanOrEqual(850);
  });

  it('goes down (ECONNREFUSED, live connections reset) and comes back up on the same port', async () => {
    const live = await open();
    await proxy.down();
    await waitFor(() => live.closed(), 'the live connection to be reset');
    const refused = await open();
    expect(refused.error()?.code).toBe('ECONNREFUSED');
    await proxy.up();
    const back = await open();
    back.socket.write('back');
    await waitFor(() => back.received() === 'back', 'the echo after coming back up');
  });
});
