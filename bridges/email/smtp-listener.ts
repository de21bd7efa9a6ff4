/**
 * The inbound SMTP listener (RFC 5321) on smtp-server. Only our users' addresses are accepted
 * at RCPT (550 5.1.1 otherwise: never an open relay); no AUTH is offered; the message is
 * committed before the final 250, and a storage failure answers 451 so the sender retries
 * (RFC 5321 §4.2.5, §6.1).
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { AddressInfo, Socket } from 'node:net';
import { SMTPServer, type SMTPServerOptions, type SMTPServerSession } from 'smtp-server';
import type { Logger } from 'pino';
import type { EmailConfig } from './config.js';
import type { IncomingMail } from './ingest.js';
import { BARE_DATA_END_TEXT, BareDataEndError, watchLineEnds, type BareEnding } from './line-ends.js';
import type { Verdict } from './sender-auth.js';

/** An error whose `responseCode` smtp-server sends as the reply code. */
export class SmtpReply extends Error {
  constructor(
    readonly responseCode: number,
    message: string,
    options: { cause?: unknown; closeConnection?: boolean } = {},
  ) {
    super(message, options.cause !== undefined ? { cause: options.cause } : {});
    this.name = 'SmtpReply';
    this.closeConnection = options.closeConnection ?? false;
  }

  /** Close the connection after this reply (the client's state is unknown, e.g. after a bare LF.LF). */
  readonly closeConnection: boolean;
}

export interface ListenerDeps {
  log: Logger;
  /** The user a recipient address belongs to, when it is an allowed user's mailbox. */
  userOf(address: string): string | undefined;
  verify?(raw: Buffer, client: { ip: string; helo: string; sender: string }): Promise<Verdict>;
  /** Commit the mail; resolves once durable. */
  accept(mail: IncomingMail): Promise<void>;
  /** Count an event in the bridge's metrics. */
  count(name: string): void;
}

type DataStream = NodeJS.ReadableStream & { sizeExceeded?: boolean; destroy(): void };

/**
 * The message, kept up to `maxBytes` only: past the limit smtp-server answers 552 at the end
 * (RFC 1870 §6) and nothing more is buffered. A bare LF.LF / CR.CR end of data destroys the
 * stream (line-ends.ts) and is answered 550.
 */
function readMessage(stream: DataStream, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let kept = 0;
    stream.on('data', (c: Buffer) => {
      if (kept + c.length <= maxBytes) {
        chunks.push(c);
        kept += c.length;
      }
    });
    let ended = false;
    stream.on('end', () => {
      ended = true;
      resolve(Buffer.concat(chunks, kept));
    });
    stream.on('error', (err: Error) => {
      reject(err instanceof BareDataEndError ? new SmtpReply(550, BARE_DATA_END_TEXT, { closeConnection: true, cause: err }) : err);
    });
    // The client left mid-message: smtp-server destroys the stream, and nothing is delivered.
    stream.on('close', () => {
      if (!ended) reject(new Error('the SMTP client closed the connection during DATA'));
    });
  });
}

export class SmtpListener {
  private server: SMTPServer | undefined;
  private readonly perIp = new Map<string, number>();
  private readonly rate = new Map<string, { windowStart: number; count: number }>();

  constructor(
    private readonly config: EmailConfig['smtp'],
    private readonly authConfig: EmailConfig['authentication'],
    private readonly deps: ListenerDeps,
  ) {}

  get port(): number | undefined {
    return (this.server?.server.address() as AddressInfo | null | undefined)?.port;
  }

  async start(): Promise<void> {
    const c = this.config;
    const options: SMTPServerOptions = {
      name: c.greeting_name ?? hostname(),
      banner: 'Switchboard email gateway',
      size: c.max_size_bytes,
      rejectOversized: true,
      maxClients: c.max_clients,
      socketTimeout: c.socket_timeout_ms,
      // No AUTH for the world: this listener only takes mail for our own users.
      disabledCommands: c.tls ? ['AUTH'] : ['AUTH', 'STARTTLS'],
      authOptional: true,
      disableReverseLookup: true,
      logger: false,
      ...(c.tls ? { key: readFileSync(c.tls.key), cert: readFileSync(c.tls.cert) } : { hideSTARTTLS: true }),
      onConnect: (session, cb) => this.onConnect(session, cb),
      onClose: (session) => this.onClose(session),
      onSecure: (socket, _session, cb) => {
        watchLineEnds(server, socket, (ip) => this.bareLineEnd('CR', ip));
        cb();
      },
      onMailFrom: (_address, session, cb) => this.onMailFrom(session, cb),
      onRcptTo: (address, session, cb) => this.onRcptTo(address.address, session, cb),
      onData: (stream, session, cb) => {
        this.onData(stream, session).then(
          () => cb(null, 'OK: message committed'),
          (err: unknown) => {
            const reply = err instanceof SmtpReply ? err : new SmtpReply(451, '4.3.0 Temporary failure, please retry', { cause: err });
            cb(reply);
            if (reply.closeConnection) [...server.connections].find((c) => c.id === session.id)?.close();
          },
        );
      },
    };
    const server = new SMTPServer(options);
    // Replies are single small writes; without Nagle none waits for the client's delayed ACK.
    server.server.on('connection', (socket: Socket) => {
      socket.setNoDelay(true);
      watchLineEnds(server, socket, (ip) => this.bareLineEnd('CR', ip));
    });
    server.on('error', (err) => this.deps.log.warn({ event: 'smtp_error', err }, 'SMTP listener error'));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(c.port, c.host, () => {
        server.server.off('error', reject);
        resolve();
      });
    });
    this.deps.log.info({ event: 'smtp_listening', host: c.host, port: this.port }, `SMTP on ${c.host}:${this.port}`);
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private onConnect(session: SMTPServerSession, cb: (err?: Error | null) => void): void {
    const n = (this.perIp.get(session.remoteAddress) ?? 0) + 1;
    if (n > this.config.max_connections_per_ip) return cb(new SmtpReply(421, '4.7.0 Too many connections from your address'));
    this.perIp.set(session.remoteAddress, n);
    (session as SMTPServerSession & { counted?: boolean }).counted = true;
    cb();
  }

  private onClose(session: SMTPServerSession): void {
    if (!(session as SMTPServerSession & { counted?: boolean }).counted) return;
    const n = (this.perIp.get(session.remoteAddress) ?? 1) - 1;
    if (n <= 0) this.perIp.delete(session.remoteAddress);
    else this.perIp.set(session.remoteAddress, n);
  }

  private onMailFrom(session: SMTPServerSession, cb: (err?: Error | null) => void): void {
    const now = Date.now();
    const r = this.rate.get(session.remoteAddress);
    if (!r || now - r.windowStart >= 60_000) this.rate.set(session.remoteAddress, { windowStart: now, count: 1 });
    else if (++r.count > this.config.max_messages_per_minute_per_ip) return cb(new SmtpReply(450, '4.7.1 Too many messages from your address, try later'));
    if (this.rate.size > 10_000) for (const [ip, v] of this.rate) if (now - v.windowStart >= 60_000) this.rate.delete(ip);
    cb();
  }

  private onRcptTo(address: string, session: SMTPServerSession, cb: (err?: Error | null) => void): void {
    if (session.envelope.rcptTo.length >= this.config.max_recipients) return cb(new SmtpReply(452, '4.5.3 Too many recipients'));
    // RFC 5321 §3.6.2: relaying for others is refused; unknown mailboxes get 550 5.1.1 here, not a later bounce.
    if (!this.deps.userOf(address)) return cb(new SmtpReply(550, '5.1.1 No such user here'));
    cb();
  }

  private bareLineEnd(kind: BareEnding | 'LF or CR at the end of data', ip: string): void {
    this.deps.count('smtp_bare_line_end');
    this.deps.log.info({ event: 'smtp_bare_line_end', kind, ip }, `SMTP client ${ip} used bare ${kind} line ends: refused`);
  }

  private async onData(stream: DataStream, session: SMTPServerSession): Promise<void> {
    let raw: Buffer;
    try {
      raw = await readMessage(stream, this.config.max_size_bytes);
    } catch (err) {
      if (err instanceof SmtpReply && err.closeConnection) this.bareLineEnd('LF or CR at the end of data', session.remoteAddress);
      throw err;
    }
    if (stream.sizeExceeded) throw new SmtpReply(552, '5.3.4 Message too big');
    const users = [...new Set(session.envelope.rcptTo.map((r) => this.deps.userOf(r.address)).filter((u): u is string => !!u))];
    const envelopeFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
    let verdict: Verdict | undefined;
    if (this.deps.verify) {
      try {
        verdict = await this.deps.verify(raw, { ip: session.remoteAddress, helo: session.hostNameAppearsAs, sender: envelopeFrom });
      } catch (err) {
        this.deps.log.warn({ event: 'auth_check_failed', err }, 'sender authentication could not be checked');
      }
      if (verdict?.result === 'fail' && this.authConfig.refuse_failing) {
        throw new SmtpReply(550, '5.7.1 Message failed DMARC/DKIM/SPF authentication');
      }
    }
    await this.deps.accept({ raw, users, envelopeFrom, ...(verdict ? { verdict } : {}) });
  }
}
