/** The identd over real sockets on a free port: answers, bounds, and what a query line may be. */
import { connect, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestContext } from '../../../test/helpers/bridge-context.js';
import { freePort } from '../../../test/helpers/ports.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { IrcBridge } from '../adapter.js';
import { ircConfigSchema } from '../config.js';
import { IdentRegistry } from '../ident-registry.js';
import { IdentServer, QUERY_MAX_BYTES } from '../identd.js';

interface Peer {
  socket: Socket;
  received(): string;
  closed: Promise<void>;
}

function open(port: number): Promise<Peer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let text = '';
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.setEncoding('latin1').on('data', (d: string) => (text += d));
    socket.once('error', reject);
    socket.once('connect', () => resolve({ socket, received: () => text, closed }));
  });
}

describe('identd (RFC 1413) on a socket', () => {
  let registry: IdentRegistry;
  let server: IdentServer;
  let port: number;

  beforeEach(async () => {
    registry = new IdentRegistry();
    port = await freePort();
    server = new IdentServer(registry, { address: '127.0.0.1', port });
    await server.start();
  });

  afterEach(async () => {
    await server.stop();
  });

  it('answers USERID for a registered connection and NO-USER for other ports, several queries per connection', async () => {
    registry.add({ localAddress: '127.0.0.1', localPort: 40001, remoteAddress: '127.0.0.1', remotePort: 6667 }, 'a1b2c3d4e5');
    const peer = await open(port);
    peer.socket.write('40001 , 6667\r\n');
    await waitFor(() => peer.received().includes('\r\n'), 'first answer');
    peer.socket.write('40002,6667\n');
    await waitFor(() => peer.received().split('\r\n').length === 3, 'second answer');
    expect(peer.received()).toBe('40001 , 6667 : USERID : UNIX : a1b2c3d4e5\r\n40002 , 6667 : ERROR : NO-USER\r\n');
    peer.socket.destroy();
  });

  it('a query split over several packets is one query', async () => {
    registry.add({ localAddress: '127.0.0.1', localPort: 40003, remoteAddress: '127.0.0.1', remotePort: 6697 }, 'splitid');
    const peer = await open(port);
    peer.socket.write('400');
    peer.socket.write('03 ,');
    peer.socket.write(' 6697\r\n');
    await waitFor(() => peer.received().includes('\r\n'), 'answer');
    expect(peer.received()).toBe('40003 , 6697 : USERID : UNIX : splitid\r\n');
    peer.socket.destroy();
  });

  it('does not tell a third host about a connection to another one', async () => {
    registry.add({ localAddress: '127.0.0.1', localPort: 40004, remoteAddress: '192.0.2.1', remotePort: 6667 }, 'secret');
    const peer = await open(port);
    peer.socket.write('40004 , 6667\r\n');
    await waitFor(() => peer.received().includes('\r\n'), 'answer');
    expect(peer.received()).toBe('40004 , 6667 : ERROR : NO-USER\r\n');
    peer.socket.destroy();
  });

  it('a malformed query gets INVALID-PORT and the connection is closed', async () => {
    const peer = await open(port);
    peer.socket.write('GET / HTTP/1.0\r\n');
    await peer.closed;
    expect(peer.received()).toBe('0 , 0 : ERROR : INVALID-PORT\r\n');
  });

  it('ports out of range are INVALID-PORT, and the connection is closed', async () => {
    const peer = await open(port);
    peer.socket.write('0 , 70000\r\n');
    await peer.closed;
    expect(peer.received()).toBe('0 , 70000 : ERROR : INVALID-PORT\r\n');
  });

  it('a line over the bound without an end gets INVALID-PORT and the connection is closed before it ends', async () => {
    const peer = await open(port);
    peer.socket.write(' '.repeat(QUERY_MAX_BYTES + 1));
    await peer.closed;
    expect(peer.received()).toBe('0 , 0 : ERROR : INVALID-PORT\r\n');
  });

  it('a long line that ends is refused too, even if it holds a query', async () => {
    registry.add({ localAddress: '127.0.0.1', localPort: 40005, remoteAddress: '127.0.0.1', remotePort: 6667 }, 'x');
    const peer = await open(port);
    peer.socket.write(`${' '.repeat(QUERY_MAX_BYTES)}40005,6667\r\n`);
    await peer.closed;
    expect(peer.received()).toBe('0 , 0 : ERROR : INVALID-PORT\r\n');
  });

  it('on every address (no address configured), an IPv4 peer of the dual-stack socket is still matched', async () => {
    const anyPort = await freePort();
    const answers: Array<{ askedBy: string; ident: string | undefined }> = [];
    const any = new IdentServer(registry, { port: anyPort, onAnswer: (a) => answers.push(a) });
    await any.start();
    try {
      registry.add({ localAddress: '127.0.0.1', localPort: 40006, remoteAddress: '127.0.0.1', remotePort: 6667 }, 'dual');
      const peer = await open(anyPort);
      peer.socket.write('40006 , 6667\r\n');
      await waitFor(() => peer.received().includes('\r\n'), 'answer');
      expect(peer.received()).toBe('40006 , 6667 : USERID : UNIX : dual\r\n');
      expect(answers).toEqual([expect.objectContaining({ ident: 'dual', localPort: 40006, remotePort: 6667 })]);
      peer.socket.destroy();
    } finally {
      await any.stop();
    }
  });

  it('a connection over the bound is closed at once', async () => {
    const boundPort = await freePort();
    const bounded = new IdentServer(registry, { address: '127.0.0.1', port: boundPort, idleMs: 60_000, maxConnections: 2 });
    await bounded.start();
    try {
      const [a, b] = [await open(boundPort), await open(boundPort)];
      const extra = await open(boundPort);
      await extra.closed;
      expect(extra.received()).toBe('');
      // The two within the bound are still served.
      registry.add({ localAddress: '127.0.0.1', localPort: 40007, remoteAddress: '127.0.0.1', remotePort: 6667 }, 'kept');
      a.socket.write('40007,6667\r\n');
      await waitFor(() => a.received().includes('kept'), 'answer within the bound');
      expect(b.socket.destroyed).toBe(false);
    } finally {
      await bounded.stop();
    }
  });

  it('an idle connection is closed', async () => {
    const idlePort = await freePort();
    const idle = new IdentServer(registry, { address: '127.0.0.1', port: idlePort, idleMs: 200 });
    await idle.start();
    try {
      const peer = await open(idlePort);
      await peer.closed;
      expect(peer.received()).toBe('');
    } finally {
      await idle.stop();
    }
  });

  it('a port it may not bind fails start-up with what to do about it', async () => {
    const taken = new IdentServer(registry, { address: '127.0.0.1', port });
    await expect(taken.start()).rejects.toThrow(`identd: cannot listen on 127.0.0.1:${port} (EADDRINUSE)`);
  });

  it('the IRC bridge does not start when its identd cannot listen, and says why', async () => {
    const t = await createTestContext({ id: 'irc', domain: 'irc.localhost', domains: ['example.org'] });
    try {
      const bridge = new IrcBridge(t.ctx, ircConfigSchema.parse({ identd: { enabled: true, address: '127.0.0.1', port } }));
      await expect(bridge.start()).rejects.toThrow(`identd: cannot listen on 127.0.0.1:${port} (EADDRINUSE)`);
    } finally {
      await t.close();
    }
  });
});
