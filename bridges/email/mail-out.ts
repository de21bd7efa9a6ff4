/**
 * XMPP → email through the configured relay (nodemailer). From is the user's mailbox, Subject
 * the XMPP <subject>, else "Re: " + the thread's subject, else the default; In-Reply-To and
 * References continue the thread (RFC 5322 §3.6.4). Relay 4xx or unreachable → RetryableError;
 * 5xx → StanzaError with the relay's text (RFC 5321 §4.2.1).
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import nodemailer, { type Transporter } from 'nodemailer';
import type { BridgeContext, SendResult } from '../../src/core/bridge.js';
import { RetryableError, StanzaError } from '../../src/core/errors.js';
import type { Outbound } from '../../src/core/model.js';
import { addressOfLocalpart, localpartOfAddress, type Mailboxes } from './address.js';
import { cutChars, outboundLine, outboundText } from './clean-text.js';
import type { EmailConfig } from './config.js';
import { RateLimiter } from './rate-limit.js';
import { relaySockets, type RelaySockets } from './relay-socket.js';
import { baseSubject, Threads } from './threads.js';

type MessageEvent = Extract<Outbound, { kind: 'message' }>;

/** How often an unreachable relay is checked again. */
const PROBE_MS = 30_000;

/** nodemailer's pool option (smtp-pool/index.js), missing from @types/nodemailer. */
const NO_REQUEUE: { maxRequeues: number } = { maxRequeues: 0 };

/** Header values must stay on one line: CR/LF would start a new header (header injection). */
export function oneLine(text: string): string {
  return text.replace(/[\r\n\u2028\u2029\u0000]+/g, ' ').trim();
}

function dkimKey(value: string): string {
  return value.includes('-----BEGIN') ? value : readFileSync(value, 'utf8');
}

interface RelayError extends Error {
  code?: string;
  responseCode?: number;
  response?: string;
}

export class MailOut {
  private transport: Transporter | undefined;
  private sockets: RelaySockets | undefined;
  private readonly threads: Threads;
  private readonly limiter: RateLimiter;
  private down = false;
  private probe: NodeJS.Timeout | undefined;

  constructor(
    private readonly ctx: BridgeContext,
    private readonly config: EmailConfig,
    private readonly mailboxes: Mailboxes,
  ) {
    this.threads = new Threads(ctx.kv);
    this.limiter = new RateLimiter(config.rate_limit_per_minute, () => ctx.clock.now());
  }

  start(): void {
    const r = this.config.relay;
    // Implicit TLS (`secure`) connects through tls.connect, not the hook: no Nagle fix, and an
    // aborted attempt there ends at nodemailer's socketTimeout instead of at once.
    this.sockets = r.secure ? undefined : relaySockets();
    this.transport = nodemailer.createTransport({
      host: r.host,
      port: r.port,
      secure: r.secure,
      requireTLS: r.starttls === 'require',
      ignoreTLS: r.starttls === 'never',
      tls: { rejectUnauthorized: r.tls_reject_unauthorized },
      connectionTimeout: r.timeout_ms,
      greetingTimeout: r.timeout_ms,
      socketTimeout: r.timeout_ms,
      // maxRequeues 0: a pooled connection that closes without an error (nodemailer 7 only
      // takes a clean close before the relay's greeting so; a close mid-transaction is an
      // ECONNECTION error) fails that send instead of resending it behind the outbox's back.
      // nodemailer's default requeues for ever, so the send hangs until the attempt deadline,
      // the outbox retries it, and both copies leave once the relay is back
      // (bridges/email/test/outbox-faults.test.ts, "before its greeting").
      ...(r.pool ? { pool: true as const, maxConnections: r.max_connections, maxMessages: Infinity, ...NO_REQUEUE } : {}),
      ...(this.sockets ? { getSocket: this.sockets.getSocket } : {}),
      ...(r.auth ? { auth: { user: r.auth.user, pass: r.auth.pass } } : {}),
      ...(this.config.dkim
        ? { dkim: { domainName: this.config.dkim.domain, keySelector: this.config.dkim.selector, privateKey: dkimKey(this.config.dkim.private_key) } }
        : {}),
    });
  }

  stop(): void {
    if (this.probe) clearTimeout(this.probe);
    this.probe = undefined;
    this.transport?.close();
    this.transport = undefined;
  }

  /**
   * Check that the relay answers (EHLO, STARTTLS, AUTH) without sending anything; while it does
   * not, check again every `PROBE_MS` so that presence recovers without waiting for a message.
   */
  checkRelay(): void {
    const transport = this.transport;
    if (!transport) return;
    transport.verify().then(
      () => this.markUp(),
      (err: unknown) => {
        const e = err as RelayError;
        if (e.responseCode === undefined) this.markDown(e);
        if (this.transport && !this.probe) {
          this.probe = setTimeout(() => {
            this.probe = undefined;
            if (this.down) this.checkRelay();
          }, PROBE_MS);
          this.probe.unref();
        }
      },
    );
  }

  private markUp(): void {
    if (!this.down) return;
    this.down = false;
    this.ctx.setHealth({ canDeliver: true });
  }

  private markDown(err: RelayError): string {
    const reason = `mail relay ${this.config.relay.host}:${this.config.relay.port} unreachable: ${err.code ?? ''} ${oneLine(err.message)}`.trim();
    if (!this.down) {
      this.down = true;
      this.ctx.setHealth({ canDeliver: false, reason });
      this.ctx.log.warn({ event: 'relay_unreachable', code: err.code }, reason);
    }
    return reason;
  }

  async send(event: MessageEvent, signal?: AbortSignal, itemId?: string): Promise<SendResult> {
    const transport = this.transport;
    if (!transport) throw new RetryableError('the email bridge is not started');
    if (signal?.aborted) throw new RetryableError('the attempt was aborted before it started');
    const mailbox = this.mailboxes.ofUser(event.user);
    if (!mailbox) throw new StanzaError('registration-required', 'You have no email address on this gateway; ask the operator.');
    const to = addressOfLocalpart(event.to);
    if (!this.limiter.take(event.user)) {
      throw new StanzaError('policy-violation', `Too many emails: at most ${this.config.rate_limit_per_minute} per minute.`);
    }
    const contact = localpartOfAddress(to);
    const conversation = this.threads.with(event.user, contact);
    const thread = event.thread ?? conversation.current ?? randomBytes(16).toString('hex');
    const previous = conversation.get(thread);
    // What reaches the mail is decided once, here (clean-text.ts): header values stay on one line.
    const explicit = event.subject !== undefined ? cutChars(outboundLine(event.subject), this.config.max_subject_chars) : '';
    const subject = explicit || (previous?.subject ? `Re: ${baseSubject(previous.subject)}` : this.config.default_subject);
    const domain = mailbox.address.slice(mailbox.address.lastIndexOf('@') + 1);
    // One Message-ID per outbox item, the same on every attempt: a mail sent again after a crash
    // before its `done` commit is a copy the relay or the recipient can drop (RFC 5322 §3.6.4).
    const messageId = `<${itemId ? createHash('sha256').update(itemId).digest('hex').slice(0, 32) : randomBytes(16).toString('hex')}@${domain}>`;
    const links = (event.oob ?? []).map((o) => o.url).filter((u) => !event.body.includes(u));
    const text = [outboundText(event.body), ...links].join('\n');

    const stopAbort = this.onAbort(signal);
    try {
      await transport.sendMail({
        from: { name: outboundLine(mailbox.name ?? ''), address: mailbox.address },
        to: { name: '', address: to },
        envelope: { from: mailbox.address, to: [to] },
        subject,
        messageId,
        ...(previous?.last ? { inReplyTo: previous.last, references: previous.refs } : {}),
        text,
        textEncoding: 'quoted-printable',
        headers: { 'Auto-Submitted': 'no' },
      });
    } catch (err) {
      throw this.mapError(err as RelayError);
    } finally {
      stopAbort();
    }
    this.markUp();
    this.threads.record(event.user, contact, thread, messageId, [], explicit || previous?.subject || subject);
    if (event.id) {
      // The resource too: a bounce must reach it, servers drop type='error' messages sent to a
      // bare JID (RFC 6121 §8.5.2.1.1).
      this.ctx.messages.put({
        user: event.user,
        xmppId: event.id,
        networkId: messageId,
        peer: event.to,
        thread,
        ...(event.resource ? { resource: event.resource } : {}),
      });
    }
    this.ctx.metrics.count('mail_out');
    return { networkId: messageId };
  }

  /** A message the bridge wrote itself (a DSN), sent with the null reverse-path (RFC 5321 §4.5.5). */
  async sendReport(to: string, raw: string, signal?: AbortSignal): Promise<void> {
    const transport = this.transport;
    if (!transport) throw new RetryableError('the email bridge is not started');
    if (signal?.aborted) throw new RetryableError('the attempt was aborted before it started');
    const stopAbort = this.onAbort(signal);
    try {
      await transport.sendMail({ envelope: { from: '', to: [to] }, raw });
    } catch (err) {
      throw this.mapError(err as RelayError);
    } finally {
      stopAbort();
    }
    this.markUp();
  }

  /**
   * While a send runs, an abort (the outbox deadline) closes the relay connections that have
   * been silent since it started: the one its SMTP transaction hangs on among them, so the
   * transaction ends with a socket error and cannot complete after the retry took over.
   */
  private onAbort(signal: AbortSignal | undefined): () => void {
    const sockets = this.sockets;
    if (!signal || !sockets) return () => undefined;
    const since = Date.now();
    const abort = (): void => {
      const closed = sockets.closeSilentSince(since);
      this.ctx.log.warn({ event: 'relay_abort', closed }, 'an email attempt passed its deadline: its relay connection was closed');
    };
    signal.addEventListener('abort', abort, { once: true });
    return () => signal.removeEventListener('abort', abort);
  }

  private mapError(err: RelayError): Error {
    const code = err.responseCode;
    const text = oneLine(err.response ?? err.message).slice(0, 300);
    if (code !== undefined && code >= 500) {
      const condition = /\b5\.1\.\d/.test(text) ? 'item-not-found' : /\b5\.7\.\d/.test(text) ? 'forbidden' : 'not-acceptable';
      return new StanzaError(condition, `The mail relay refused the message: ${text}`, { code: String(code), cause: err });
    }
    if (code !== undefined && code >= 400) return new RetryableError(`the mail relay answered ${text}`, { cause: err });
    // No SMTP reply at all: the relay is unreachable (ECONNECTION, ETIMEDOUT, ESOCKET, EDNS…).
    const reason = this.markDown(err);
    this.checkRelay();
    return new RetryableError(reason, { cause: err });
  }
}
