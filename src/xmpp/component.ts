/**
 * One XEP-0114 component connection: stream header to our own domain, handshake, status events,
 * and reconnection with exponential backoff and jitter, forever (XEP-0114 §3). While the server
 * refuses connections, a readiness probe cuts the wait short as soon as it listens again, so an
 * outage of a few seconds does not leave the component offline for a backoff of many more; a
 * server that accepts and then drops the stream still gets the full backoff (no storm).
 */
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { connect, type Socket } from 'node:net';
import { Element } from 'ltx';
import type { Logger } from 'pino';
import { RetryableError, StanzaError } from '../core/errors.js';
import { ReconnectSchedule } from '../core/backoff.js';
import { notListening, PortProbe } from '../core/port-probe.js';
import { StreamParser, type OversizedStanza, type StreamParseError } from './stream-parser.js';
import { auditXml, xmlAuditEnabled } from './xml-audit.js';
import { toXmlSafe } from './xml-safe.js';

export type ComponentStatus = 'connecting' | 'handshaking' | 'online' | 'offline' | 'stopped';

export interface ComponentOptions {
  host: string;
  port: number;
  domain: string;
  secret: string;
  /** Largest stanza read from the server; larger ones are skipped and reported (`oversized`). */
  maxStanzaSize: number;
  /** Largest stanza written to the server; larger ones are refused with policy-violation. */
  maxOutgoingStanzaSize: number;
  reconnect: { initialDelayMs: number; maxDelayMs: number };
  log: Logger;
  traceXml: boolean;
}

/** Stream errors that mean the configuration is wrong: fatal at start-up. */
const FATAL_CONDITIONS = new Set(['not-authorized', 'host-unknown', 'conflict', 'improper-addressing', 'invalid-namespace']);

export class FatalComponentError extends Error {
  constructor(
    readonly condition: string,
    message: string,
  ) {
    super(message);
    this.name = 'FatalComponentError';
  }
}

/** XEP-0114 §3: lowercase hex SHA-1 of the stream id followed by the secret (UTF-8). */
export function handshakeDigest(streamId: string, secret: string): string {
  return createHash('sha1').update(streamId + secret, 'utf8').digest('hex');
}

function likelyFix(condition: string, domain: string, host: string, port: number): string {
  switch (condition) {
    case 'not-authorized':
      return `wrong component_secret for ${domain}? The server at ${host}:${port} refused the handshake`;
    case 'host-unknown':
      return `the server at ${host}:${port} has no component ${domain}: add it to its config (Prosody: Component "${domain}"; ejabberd: ejabberd_service hosts)`;
    case 'conflict':
      return `${domain} is already connected to ${host}:${port} (another Switchboard running?) or is a local virtual host there`;
    default:
      return `the server at ${host}:${port} rejected the component stream for ${domain}`;
  }
}

export interface ComponentEvents {
  status: [status: ComponentStatus];
  stanza: [el: Element];
  /** A stanza over maxStanzaSize was skipped; the stream is still up. */
  oversized: [stanza: OversizedStanza];
}

export class ComponentConnection extends EventEmitter<ComponentEvents> {
  status: ComponentStatus = 'offline';
  onlineSince: number | undefined;
  reconnects = 0;
  private socket: Socket | undefined;
  /** Waits between attempts: a short first retry after a stable stream dropped, then the backoff. */
  private readonly schedule: ReconnectSchedule;
  private everOnline = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private probe: PortProbe | undefined;
  private firstOutcome: { resolve: () => void; reject: (e: Error) => void } | undefined;
  /** SWITCHBOARD_XML_AUDIT=1 (the test suite): re-parse every stanza sent with a strict parser. */
  private readonly audit = xmlAuditEnabled();

  constructor(private readonly options: ComponentOptions) {
    super();
    this.schedule = new ReconnectSchedule({ baseDelayMs: options.reconnect.initialDelayMs, maxDelayMs: options.reconnect.maxDelayMs });
  }

  /** Connect; resolves when first online, rejects on a fatal stream error before that. */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.firstOutcome = { resolve, reject };
      this.connect();
    });
  }

  /**
   * Send a stanza; resolves when handed to the kernel. Rejects with RetryableError when offline,
   * and with a permanent StanzaError (policy-violation) for a stanza over maxOutgoingStanzaSize,
   * before writing anything: a server closes the stream on a stanza over its limit (Prosody:
   * component_stanza_size_limit), and the outbox would retry the same item after every
   * reconnect, cutting off every user of the bridge each time.
   */
  send(el: Element): Promise<void> {
    // The choke point: whatever a network put in a field, the stream stays XML 1.0 (xml-safe.ts).
    const text = toXmlSafe(el.toString());
    const size = Buffer.byteLength(text, 'utf8');
    const limit = this.options.maxOutgoingStanzaSize;
    if (size > limit) {
      const { to, id } = el.attrs;
      this.options.log.warn({ event: 'outgoing_stanza_too_large', name: el.name, to, id, size, limit }, `refused to send a ${el.name} of ${size} bytes (limit ${limit})`);
      return Promise.reject(new StanzaError('policy-violation', `This ${el.name} is ${size} bytes; the gateway sends at most ${limit} to the XMPP server.`));
    }
    const socket = this.socket;
    if (this.status !== 'online' || !socket) {
      return Promise.reject(new RetryableError(`component ${this.options.domain} is ${this.status}`));
    }
    if (this.audit) {
      const problem = auditXml(text);
      // Only with the audit on (tests): the stanza is logged whole, body and all, to find the bug.
      if (problem) this.options.log.error({ event: 'invalid_xml_out', err: problem, xml: text }, `sent a stanza that is not well-formed XML: ${problem}`);
    }
    if (this.options.traceXml) this.options.log.debug({ event: 'xml_out', xml: text }, 'sent');
    // Stanzas sent in one tick leave in one system call (a fan-out to every user of a channel).
    if (!socket.writableCorked) {
      socket.cork();
      process.nextTick(() => socket.uncork());
    }
    return new Promise((resolve, reject) => {
      socket.write(text, (err) => (err ? reject(new RetryableError(`write failed: ${err.message}`, { cause: err })) : resolve()));
    });
  }

  /** Close the stream with `</stream:stream>` and stop reconnecting. */
  async stop(): Promise<void> {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.probe?.stop();
    const socket = this.socket;
    this.setStatus('stopped');
    if (!socket || socket.destroyed) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => socket.destroy(), 2000);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.end('</stream:stream>');
    });
  }

  private setStatus(status: ComponentStatus): void {
    if (this.status === status || this.status === 'stopped') return;
    this.status = status;
    if (status === 'online') this.onlineSince = Date.now();
    if (status !== 'online') this.onlineSince = undefined;
    this.emit('status', status);
  }

  private connect(): void {
    const { host, port, domain, log } = this.options;
    this.setStatus('connecting');
    log.info({ event: 'connecting', host, port, attempt: this.schedule.attempts }, `connecting component ${domain} to ${host}:${port}`);
    this.probe?.stop();
    const socket = connect({ host, port });
    this.socket = socket;
    let refused = false;
    const parser = new StreamParser(this.options.maxStanzaSize);
    socket.setNoDelay(true);
    socket.on('connect', () => {
      this.setStatus('handshaking');
      // XEP-0114 §3: the stream header is addressed to the component's own domain.
      socket.write(
        `<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' to='${domain}'>`,
      );
    });
    socket.on('data', (chunk: Buffer) => {
      if (this.options.traceXml) log.debug({ event: 'xml_in', xml: chunk.toString('utf8') }, 'received');
      parser.write(chunk);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      refused = notListening(err);
      log.warn({ event: 'socket_error', err: err.message }, `component ${domain}: ${err.message}`);
    });
    socket.on('close', () => this.onClose(socket, refused));
    parser.on('start', (attrs) => {
      const id = attrs.id;
      if (!id) return this.streamError(socket, 'invalid-xml', 'the server stream header has no id');
      const handshake = new Element('handshake').t(handshakeDigest(id, this.options.secret));
      socket.write(handshake.toString());
    });
    parser.on('stanza', (el) => this.onElement(socket, el));
    parser.on('oversized', (stanza) => {
      if (this.status === 'online' && socket === this.socket) this.emit('oversized', stanza);
    });
    // The server closed its stream: close ours, unless we started the close (stop()).
    parser.on('end', () => {
      if (!socket.writableEnded) socket.end('</stream:stream>');
    });
    parser.on('error', (err: StreamParseError) => {
      log.warn({ event: 'stream_error_sent', condition: err.condition, err: err.message }, `closing the stream of ${domain}: ${err.message}`);
      this.streamError(socket, err.condition, err.message);
    });
  }

  private onElement(socket: Socket, el: Element): void {
    if (el.name === 'handshake' && this.status === 'handshaking') {
      this.schedule.online();
      this.everOnline = true;
      this.setStatus('online');
      this.options.log.info({ event: 'online' }, `component ${this.options.domain} is online`);
      this.firstOutcome?.resolve();
      this.firstOutcome = undefined;
      return;
    }
    if (el.name === 'stream:error') {
      const condition = el.getChildElements().find((c) => c.name !== 'text')?.name ?? 'undefined-condition';
      const text = el.getChildText('text') ?? '';
      const fix = likelyFix(condition, this.options.domain, this.options.host, this.options.port);
      this.options.log.error({ event: 'stream_error', condition, text }, `${fix} (stream error ${condition}${text ? `: ${text}` : ''})`);
      if (!this.everOnline && FATAL_CONDITIONS.has(condition)) {
        this.firstOutcome?.reject(new FatalComponentError(condition, `${fix} (stream error ${condition}${text ? `: ${text}` : ''})`));
        this.firstOutcome = undefined;
        if (this.retryTimer) clearTimeout(this.retryTimer);
        this.setStatus('stopped');
      }
      socket.destroy();
      return;
    }
    if (this.status !== 'online') return;
    this.emit('stanza', el);
  }

  private streamError(socket: Socket, condition: string, text: string): void {
    const error = new Element('stream:error')
      .c(condition, { xmlns: 'urn:ietf:params:xml:ns:xmpp-streams' })
      .up()
      .c('text', { xmlns: 'urn:ietf:params:xml:ns:xmpp-streams' })
      .t(text)
      .root();
    socket.end(toXmlSafe(error.toString()) + '</stream:stream>');
    setTimeout(() => socket.destroy(), 1000).unref();
  }

  /** `refused`: nothing accepted the TCP connection (notListening), the one case for the probe. */
  private onClose(socket: Socket, refused: boolean): void {
    if (socket !== this.socket) return;
    this.socket = undefined;
    if (this.status === 'stopped') return;
    this.setStatus('offline');
    this.reconnects++;
    // A stream that stayed up a while: retry almost at once (a blip). Later retries back off.
    const delay = this.schedule.next();
    const attempt = this.schedule.attempts;
    this.options.log.warn(
      { event: 'reconnect', attempt, delayMs: delay },
      `component ${this.options.domain} disconnected; reconnecting in ${delay} ms (attempt ${attempt})`,
    );
    this.retryTimer = setTimeout(() => this.connect(), delay);
    // The server is not listening: connect as soon as it does, not after the backoff.
    if (refused) {
      this.probe ??= new PortProbe(this.options.host, this.options.port);
      this.probe.start(() => {
        if (this.status !== 'offline') return;
        if (this.retryTimer) clearTimeout(this.retryTimer);
        this.options.log.info({ event: 'server_listening' }, `the server at ${this.options.host}:${this.options.port} accepts connections again`);
        this.connect();
      });
    }
  }
}
