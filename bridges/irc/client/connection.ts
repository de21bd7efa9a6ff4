/**
 * One IRC client connection on node:net / node:tls: registration (RFC 2812 §3.1 PASS/NICK/USER),
 * IRCv3 capability negotiation (CAP LS 302, https://ircv3.net/specs/extensions/capability-negotiation),
 * SASL PLAIN/EXTERNAL (https://ircv3.net/specs/extensions/sasl-3.1), PING/PONG and a client-side
 * keepalive, and UTF-8 decoding with a latin-1 fallback. Reconnects belong to the session.
 */
import { EventEmitter } from 'node:events';
import { connect as netConnect, type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { notListening } from '../../../src/core/port-probe.js';
import { CapNegotiation } from './cap-negotiation.js';
import { connectErrorFor, IrcConnectError, registrationError, stsFailure } from './connect-errors.js';
import { cleanIncomingLine } from './input-text.js';
import { Isupport } from './isupport.js';
import { LineReader } from './line-reader.js';
import { NickAlternatives } from './nick-alternatives.js';
import { parseLine, parseSource, serializeLine, type IrcLine } from './line.js';
import { toEvent } from './to-event.js';
import { fingerprintMatches, openTls, type ServerEndpoint } from './irc-socket.js';
import type { ConnectParams, IrcConnectionEvents } from './connection-types.js';

export { IrcConnectError } from './connect-errors.js';

export type { ServerEndpoint } from './irc-socket.js';
export type { ConnectParams, IrcConnectionEvents, SocketEnds, WebircParams } from './connection-types.js';

// K-lines and bans (465 ERR_YOUREBANNEDCREEP, or an ERROR naming one) must stop reconnects.
const BAN_TEXT = /\b[kgz]-?lined?\b|banned|ERR_YOUREBANNEDCREEP/i;

export class IrcConnection extends EventEmitter<IrcConnectionEvents> {
  readonly isupport = new Isupport();
  private capNegotiation: CapNegotiation;
  private readonly nickAlternatives: NickAlternatives;
  nick: string;
  user?: string;
  host?: string;
  registered = false;
  /** SASL succeeded during registration (903 RPL_SASLSUCCESS): the user's account is logged in. */
  saslLoggedIn = false;
  /** The attempt failed because nothing listened (port-probe.ts notListening): worth probing. */
  refused = false;
  private socket: Socket | TLSSocket | undefined;
  private reader: LineReader;
  /** Where the socket goes: the configured server, or its TLS port after an STS upgrade. */
  private endpoint: ServerEndpoint;
  private closed = false;
  private corked = false;
  private lastData = Date.now();
  private keepalive: NodeJS.Timeout | undefined;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });

  constructor(private readonly params: ConnectParams) {
    super();
    this.nick = params.nick;
    this.nickAlternatives = new NickAlternatives(params.nick, params.nickCollision ?? 'conflict');
    this.endpoint = params.server;
    this.capNegotiation = this.newCapNegotiation();
    this.reader = this.newReader();
  }

  private newCapNegotiation(): CapNegotiation {
    const p = this.params;
    const { host, port: tlsPort } = this.endpoint;
    const sts = this.endpoint.tls ? { persist: (duration: number) => this.emit('sts', { host, port: tlsPort, duration }) } : { upgrade: (port: number) => this.stsUpgrade?.(port) };
    return new CapNegotiation(p.sasl, p.nick, (command, args) => this.writeNow(command, args), p.capLsLines, sts);
  }

  private newReader(): LineReader {
    return new LineReader(this.params.maxLineBytes, (bytes) => this.onRawLine(bytes), () => this.emit('discarded', { reason: 'too-long' }));
  }

  /** Set while connect() runs: move to TLS on `port` (STS upgrade policy). */
  private stsUpgrade: ((port: number) => void) | undefined;

  /** The server this connection is (or was) to: after an STS upgrade, its TLS port. */
  get server(): ServerEndpoint {
    return this.endpoint;
  }

  /** Capabilities the server acknowledged. */
  get caps(): ReadonlySet<string> {
    return this.capNegotiation.caps;
  }

  /** The value of an acknowledged capability (CAP LS 302 `name=value`), undefined when not acknowledged. */
  capValue(name: string): string | undefined {
    return this.capNegotiation.caps.has(name) ? (this.capNegotiation.valueOf(name) ?? '') : undefined;
  }

  /** Connect and register; resolves at the end of the MOTD (376/422). */
  connect(): Promise<void> {
    let server = this.endpoint;
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (err: IrcConnectError) => {
        if (settled) return;
        settled = true;
        this.destroy(err.message, err.banned);
        reject(err);
      };
      const timer = setTimeout(() => fail(new IrcConnectError('remote-server-timeout', `Connection to ${server.host}:${server.port} timed out.`)), this.params.connectTimeoutMs);
      const onLine = (line: IrcLine) => {
        const alternative = this.nickAlternatives.next(line, this.registered, this.isupport.nickLen);
        if (alternative !== undefined) {
          this.nick = alternative;
          this.writeNow('NICK', [alternative]);
          return;
        }
        const err = registrationError(line, this.registered, this.nick);
        if (err) fail(err);
        else if (line.command === '376' || line.command === '422') {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          this.off('line', onLine);
          this.emit('event', { type: 'registered', nick: this.nick });
          resolve();
        }
      };
      this.on('line', onLine);
      this.once('close', ({ reason, banned }) => {
        clearTimeout(timer);
        fail(new IrcConnectError(banned ? 'forbidden' : 'remote-server-not-found', reason, banned));
      });
      // STS (https://ircv3.net/specs/extensions/sts): a plaintext connection offered a TLS port
      // leaves before registering and goes there; a failure there is not downgraded (stsFailure).
      this.stsUpgrade = (port) => {
        const old = this.socket!;
        old.removeAllListeners().on('error', () => undefined).destroy();
        if (this.keepalive) clearInterval(this.keepalive);
        this.endpoint = server = { ...server, tls: true, port, sts: true };
        this.capNegotiation = this.newCapNegotiation();
        this.reader = this.newReader();
        open();
      };
      const open = () => {
        const socket = server.tls ? openTls(server, this.params.sasl) : netConnect({ host: server.host, port: server.port });
        this.socket = socket;
        socket.setNoDelay(true);
        socket.once('connect', () => {
          const { localAddress, localPort, remoteAddress, remotePort } = socket;
          if (localAddress && localPort && remoteAddress && remotePort) this.emit('socket', { localAddress, localPort, remoteAddress, remotePort });
        });
        socket.on(server.tls ? 'secureConnect' : 'connect', () => {
          if (server.tls && server.tls_fingerprint && !fingerprintMatches(socket as TLSSocket, server.tls_fingerprint)) {
            fail(new IrcConnectError('remote-server-not-found', `The TLS certificate of ${server.host} does not match the pinned fingerprint.`));
            return;
          }
          this.startKeepalive();
          this.register();
        });
        socket.on('data', (chunk: Buffer) => this.onData(chunk));
        socket.on('error', (err: NodeJS.ErrnoException) => {
          if (!this.registered) this.refused = notListening(err);
          fail(server.sts ? stsFailure(err, server) : connectErrorFor(err, server));
          this.destroy(`Connection error: ${err.message}`);
        });
        socket.on('close', () => this.destroy('Connection closed.'));
      };
      open();
    });
  }

  /** Write a line now, bypassing flood control (registration, PONG, QUIT). */
  writeNow(command: string, params: readonly string[] = []): void {
    if (!this.socket || this.closed) return;
    this.write(`${serializeLine(command, params)}\r\n`);
  }

  /** Write an already-serialized line (from the throttled queue). */
  writeRaw(line: string): void {
    if (!this.socket || this.closed) throw new Error('IRC connection is closed');
    this.write(`${line}\r\n`);
  }

  /** Lines written in one tick leave in one system call (a burst of messages, a rejoin of every channel). */
  private write(text: string): void {
    const socket = this.socket!;
    if (!this.corked) {
      this.corked = true;
      socket.cork();
      process.nextTick(() => {
        this.corked = false;
        socket.uncork();
      });
    }
    socket.write(text);
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Send QUIT and close the socket once the server closes it (or after a short grace). */
  quit(message: string): void {
    if (this.closed) return;
    this.writeNow('QUIT', [message]);
    this.socket?.end();
    setTimeout(() => this.destroy('Quit.'), 2000).unref();
  }

  destroy(reason: string, banned = false): void {
    if (this.closed) return;
    this.closed = true;
    if (this.keepalive) clearInterval(this.keepalive);
    this.socket?.destroy();
    this.emit('close', { reason, banned });
    this.emit('event', { type: 'closed', reason, banned });
  }

  private register(): void {
    const p = this.params;
    if (p.webirc) this.writeNow('WEBIRC', [p.webirc.password, p.webirc.gateway, p.webirc.hostname, p.webirc.ip]);
    this.writeNow('CAP', ['LS', '302']);
    if (p.password !== undefined) this.writeNow('PASS', [p.password]);
    this.writeNow('NICK', [p.nick]);
    this.writeNow('USER', [p.username, '0', '*', p.realname]);
  }

  private startKeepalive(): void {
    const interval = this.params.pingIntervalMs;
    this.keepalive = setInterval(() => {
      const idle = Date.now() - this.lastData;
      if (idle > 2 * interval) this.destroy('Ping timeout.');
      else if (idle > interval) this.writeNow('PING', ['keepalive']);
    }, Math.min(interval, 30_000));
    this.keepalive.unref();
  }

  private onData(chunk: Buffer): void {
    this.lastData = Date.now();
    this.reader.push(chunk, () => this.closed);
  }

  /** One line: decoded, parsed, then cleaned at the input boundary (input-text.ts) before anything sees it. */
  private onRawLine(bytes: Buffer): void {
    const parsed = parseLine(this.decode(bytes));
    if (!parsed) return;
    const line = cleanIncomingLine(parsed);
    if ('refused' in line) this.emit('discarded', { reason: line.refused });
    else this.handle(line);
  }

  private decode(bytes: Buffer): string {
    try {
      return this.decoder.decode(bytes);
    } catch {
      return this.params.encodingFallback === 'latin1' ? bytes.toString('latin1') : bytes.toString('utf8');
    }
  }

  private handle(line: IrcLine): void {
    switch (line.command) {
      case 'PING':
        this.writeNow('PONG', line.params);
        break;
      case 'CAP':
        this.capNegotiation.onCap(line, this.registered);
        break;
      case 'AUTHENTICATE':
        if (line.params[0] === '+') this.capNegotiation.sendSaslPayload();
        break;
      case '903':
        this.saslLoggedIn = true;
        this.writeNow('CAP', ['END']);
        break;
      case '907':
        this.writeNow('CAP', ['END']);
        break;
      case '001':
        this.registered = true;
        if (line.params[0]) this.nick = line.params[0];
        break;
      case '005':
        this.isupport.apply(line.params.slice(1, -1));
        break;
      case 'NICK': {
        const src = parseSource(line.prefix);
        if (this.isupport.sameName(src.nick, this.nick) && line.params[0]) this.nick = line.params[0];
        break;
      }
      case 'JOIN': {
        const src = parseSource(line.prefix);
        if (this.isupport.sameName(src.nick, this.nick)) {
          if (src.user) this.user = src.user;
          if (src.host) this.host = src.host;
        }
        break;
      }
      case 'ERROR':
        this.emit('line', line);
        this.destroy(`ERROR: ${line.params.at(-1) ?? ''}`, BAN_TEXT.test(line.params.at(-1) ?? ''));
        return;
    }
    this.emit('line', line);
    const ev = toEvent(line);
    if (ev) this.emit('event', ev);
  }
}
