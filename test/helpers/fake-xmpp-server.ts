import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import { Element } from 'ltx';
import SaxLtx from 'ltx/src/parsers/ltx.js';
import { StanzaQueue, type StanzaPredicate } from './stanza-queue.js';
import { waitFor } from './wait.js';

const STREAMS_NS = 'urn:ietf:params:xml:ns:xmpp-streams';

/**
 * How the fake server answers a `<handshake>`: true = check the digest (the default),
 * false = always not-authorized, a string = that stream error condition (e.g. 'conflict').
 */
export type HandshakePolicy = boolean | string;

export interface FakeComponentServerOptions {
  secret: string;
  acceptHandshake?: HandshakePolicy;
  /** When set, a stream header whose `to` differs gets host-unknown (as Prosody does). */
  domain?: string;
}

/**
 * A scripted XMPP server for component tests, in the style of biboumi's harness: the test
 * is the server, sees every stanza the component sends, and can inject anything (any `from`,
 * malformed XML, oversized stanzas). Unlike biboumi's, it checks the XEP-0114 digest.
 */
export interface FakeComponentServer {
  port: number;
  /** Mutable so a test can reject the first attempt and accept the reconnect. */
  acceptHandshake: HandshakePolicy;
  /** Stanzas received after a successful handshake, over all connections, in order. */
  received: Element[];
  /** The stream header attributes of every connection, in order. */
  headers: Array<Record<string, string>>;
  /** The digest text of every `<handshake>` received. */
  handshakes: string[];
  /** Connections accepted so far (including closed ones). */
  readonly connections: number;
  /** True while the latest connection is open and has completed the handshake. */
  readonly authenticated: boolean;
  waitForStanza(predicate: StanzaPredicate, message: string, timeoutMs?: number): Promise<Element>;
  /** Wait until `count` connections in total have completed the handshake. */
  waitForHandshakes(count: number, timeoutMs?: number): Promise<void>;
  /** Send a stanza to the latest connection. */
  send(el: Element): void;
  /** Write raw text to the latest connection (malformed XML, huge stanzas, stream errors). */
  sendRaw(text: string): void;
  /** Abruptly close the latest connection (TCP reset), as a crashing server would. */
  dropConnection(): void;
  close(): Promise<void>;
}

/** lowercase hex SHA-1 of stream id + secret (XEP-0114 §3). */
export function handshakeDigest(streamId: string, secret: string): string {
  return createHash('sha1').update(streamId + secret, 'utf8').digest('hex');
}

function streamError(condition: string): string {
  return `<stream:error><${condition} xmlns='${STREAMS_NS}'/></stream:error></stream:stream>`;
}

class FakeServer implements FakeComponentServer {
  port = 0;
  acceptHandshake: HandshakePolicy;
  readonly headers: Array<Record<string, string>> = [];
  readonly handshakes: string[] = [];
  private readonly queue = new StanzaQueue();
  private readonly sockets = new Set<Socket>();
  private readonly server = createServer((socket) => this.onConnection(socket));
  private latest: Socket | undefined;
  private latestAuthenticated = false;
  private accepted = 0;
  private successfulHandshakes = 0;

  constructor(private readonly opts: FakeComponentServerOptions) {
    this.acceptHandshake = opts.acceptHandshake ?? true;
  }

  get received(): Element[] {
    return this.queue.received;
  }
  get connections(): number {
    return this.accepted;
  }
  get authenticated(): boolean {
    return this.latestAuthenticated;
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('fake server has no TCP address');
    this.port = address.port;
  }

  waitForStanza(predicate: StanzaPredicate, message: string, timeoutMs?: number): Promise<Element> {
    return this.queue.waitForStanza(predicate, message, timeoutMs);
  }

  async waitForHandshakes(count: number, timeoutMs = 10_000): Promise<void> {
    await waitFor(() => this.successfulHandshakes >= count, `${count} component handshake(s)`, timeoutMs);
  }

  send(el: Element): void {
    this.requireLatest().write(el.toString());
  }

  sendRaw(text: string): void {
    this.requireLatest().write(text);
  }

  dropConnection(): void {
    this.requireLatest().resetAndDestroy();
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private requireLatest(): Socket {
    if (this.latest === undefined || this.latest.destroyed) throw new Error('fake server: no open component connection');
    return this.latest;
  }

  private onConnection(socket: Socket): void {
    this.accepted += 1;
    this.sockets.add(socket);
    this.latest = socket;
    this.latestAuthenticated = false;
    const streamId = randomBytes(8).toString('hex');
    const parser = new SaxLtx();
    let authenticated = false;
    let closed = false;
    let depth = 0; // 1 = inside the stream header, 2 = inside a stanza, …
    let current: Element | undefined; // the element being built
    // Stanzas get the stream header as parent (not as child), as in xmpp.js, so getNS() finds
    // the inherited jabber:component:accept namespace.
    let root: Element | null = null;

    const fail = (condition: string): void => {
      if (closed) return;
      closed = true;
      socket.end(streamError(condition));
    };
    const onHandshake = (el: Element): void => {
      const digest = el.getText();
      this.handshakes.push(digest);
      const policy = this.acceptHandshake;
      if (typeof policy === 'string') return fail(policy);
      // Exact comparison, like ejabberd: an uppercase digest is a component bug.
      if (policy === false || digest !== handshakeDigest(streamId, this.opts.secret)) return fail('not-authorized');
      authenticated = true;
      this.successfulHandshakes += 1;
      if (this.latest === socket) this.latestAuthenticated = true;
      socket.write('<handshake/>');
    };
    const onTopLevel = (el: Element): void => {
      if (authenticated) return this.queue.push(el);
      // XEP-0114: nothing but <handshake> may come before the server's empty <handshake/>.
      if (el.name === 'handshake') return onHandshake(el);
      fail('not-authorized');
    };
    const onHeader = (name: string, attrs: Record<string, string>): void => {
      this.headers.push(attrs);
      root = new Element(name, attrs);
      if (name !== 'stream:stream') return fail('not-well-formed');
      const to = attrs['to'] ?? '';
      socket.write(
        "<?xml version='1.0'?><stream:stream xmlns:stream='http://etherx.jabber.org/streams' " +
          `xmlns='jabber:component:accept' from='${escapeAttr(to)}' id='${streamId}'>`,
      );
      if (attrs['xmlns'] !== 'jabber:component:accept') return fail('invalid-namespace');
      if (to === '') return fail('improper-addressing');
      if (this.opts.domain !== undefined && to !== this.opts.domain) fail('host-unknown');
    };

    parser.on('startElement', (name: string, attrs: Record<string, string>) => {
      if (closed) return;
      depth += 1;
      if (depth === 1) return onHeader(name, attrs);
      const el = new Element(name, attrs);
      current = current === undefined ? el : current.cnode(el);
    });
    parser.on('endElement', (name: string) => {
      if (closed) return;
      if (depth === 1) {
        // </stream:stream> from the component: close our side too.
        closed = true;
        socket.end('</stream:stream>');
        return;
      }
      if (current === undefined || current.name !== name) return fail('not-well-formed');
      const finished = current;
      current = finished.parent ?? undefined;
      depth -= 1;
      if (depth === 1) {
        finished.parent = root;
        onTopLevel(finished);
      }
    });
    parser.on('text', (text: string) => {
      if (!closed && current !== undefined) current.t(text);
    });

    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => parser.write(chunk));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      closed = true;
      this.sockets.delete(socket);
      if (this.latest === socket) this.latestAuthenticated = false;
    });
  }
}

function escapeAttr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/'/g, '&apos;').replace(/</g, '&lt;');
}

/** Listen on a free loopback port; the component under test connects to `port`. */
export async function startFakeComponentServer(opts: FakeComponentServerOptions): Promise<FakeComponentServer> {
  const server = new FakeServer(opts);
  await server.listen();
  return server;
}
