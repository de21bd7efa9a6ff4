/**
 * The email bridge: SMTP listener in, relay out, contacts `alice\40example.com@<domain>`.
 * Email has no presence of its own: the core shows the relay's health as presence.
 */
import { hostname } from 'node:os';
import type { Bridge, BridgeContext, ResolvedAddress, SendOptions, SendResult } from '../../src/core/bridge.js';
import { StanzaError } from '../../src/core/errors.js';
import type { Inbound, Outbound } from '../../src/core/model.js';
import { buildDsn, decodeMailRef } from './dsn-out.js';
import { addressOfLocalpart, localpartOfAddress, Mailboxes } from './address.js';
import { AttachmentStore } from './attachments.js';
import type { EmailConfig } from './config.js';
import { DSN_HANDOFF, Ingest } from './ingest.js';
import { MailOut } from './mail-out.js';
import { SenderAuth, type DNSResolver } from './sender-auth.js';
import { SmtpListener } from './smtp-listener.js';

export interface EmailBridgeDeps {
  /** DNS resolver for DKIM/SPF/DMARC checks (tests pass fixed records). */
  resolver?: DNSResolver;
}

export class EmailBridge implements Bridge {
  readonly mailboxes: Mailboxes;
  readonly listener: SmtpListener;
  private readonly out: MailOut;
  private readonly attachments: AttachmentStore;
  private readonly ingest: Ingest;

  readonly gateway = {
    desc: 'Enter the email address of the contact',
    prompt: 'Email address',
    toLocalpart: (typed: string): string => localpartOfAddress(typed.trim().replace(/^mailto:/i, '')),
  };

  constructor(
    private readonly ctx: BridgeContext,
    config: EmailConfig,
    deps: EmailBridgeDeps = {},
  ) {
    this.mailboxes = new Mailboxes(config.addresses);
    this.attachments = new AttachmentStore(config.attachments.dir, ctx.http, ctx.kv);
    this.out = new MailOut(ctx, config, this.mailboxes);
    const ingest = new Ingest(ctx, config, this.attachments);
    this.ingest = ingest;
    const auth = config.authentication.verify
      ? new SenderAuth({
          timeoutMs: config.authentication.dns_timeout_ms,
          mta: config.smtp.greeting_name ?? hostname(),
          ...(deps.resolver ? { resolver: deps.resolver } : {}),
        })
      : undefined;
    this.listener = new SmtpListener(config.smtp, config.authentication, {
      log: ctx.log,
      userOf: (address) => {
        const user = this.mailboxes.userOf(address);
        return user && ctx.isAllowed(user) ? user : undefined;
      },
      ...(auth ? { verify: (raw, client) => auth.verify(raw, client) } : {}),
      accept: (mail) => ingest.accept(mail),
      count: (name) => ctx.metrics.count(name),
    });
    this.enabled = config.smtp.enabled;
    this.postmaster = config.postmaster;
    this.mta = config.smtp.greeting_name ?? hostname();
  }

  private readonly postmaster: string | undefined;
  private readonly mta: string;

  private readonly enabled: boolean;

  async start(): Promise<void> {
    await this.attachments.start();
    this.out.start();
    this.out.checkRelay();
    if (this.enabled) await this.listener.start();
    this.ctx.log.info({ event: 'started' }, 'email bridge ready');
  }

  /** Sharded mode: a bounce of a mail this slot sent, taken by another slot's instance (ingest.ts). */
  async takeHandoff(kind: string, payload: Readonly<Record<string, string>>): Promise<boolean> {
    return kind === DSN_HANDOFF ? this.ingest.takeHandedDsn(payload) : false;
  }

  async stop(): Promise<void> {
    await this.listener.stop();
    this.out.stop();
  }

  resolve(localpart: string): ResolvedAddress {
    if (localpart === '') return { kind: 'service', localpart: '', name: 'Email' };
    const address = addressOfLocalpart(localpart);
    return { kind: 'contact', localpart: localpartOfAddress(address), name: address };
  }

  /** A mail we answered 250 never reached the user: a DSN to its envelope sender (RFC 5321 §6.1). */
  async inboundDead(event: Inbound, reason: string, options: SendOptions = {}): Promise<void> {
    const ref = event.kind === 'message' ? decodeMailRef(event.ref) : undefined;
    if (!ref) return; // not the first event of a mail (attachments): one DSN per mail
    const recipient = this.mailboxes.ofUser(event.user)?.address ?? event.user;
    const postmaster = this.postmaster ?? `postmaster@${recipient.slice(recipient.lastIndexOf('@') + 1)}`;
    const dsn = buildDsn(ref, { recipient, postmaster, mta: this.mta, reason, now: new Date(this.ctx.clock.now()) });
    if (!dsn) return; // a bounce is never answered with a bounce
    await this.out.sendReport(dsn.to, dsn.raw, options.signal);
    this.ctx.metrics.count('dsn_sent');
    this.ctx.log.info({ event: 'dsn_sent', user: event.user, to: dsn.to, messageId: ref.messageId }, 'undeliverable mail reported to its sender');
  }

  async send(event: Outbound, options: SendOptions = {}): Promise<SendResult> {
    if (event.kind === 'chatstate') return {}; // email has no typing (the core drops them before the outbox anyway)
    if (event.kind === 'retraction')
      throw new StanzaError('feature-not-implemented', 'Email cannot unsend a mail; it was already sent. Nothing was sent.', { type: 'cancel' });
    if (event.kind === 'reaction')
      throw new StanzaError('feature-not-implemented', 'Email has no reactions; nothing was sent. Write a reply instead.', { type: 'cancel' });
    if (event.kind !== 'message') throw new StanzaError('feature-not-implemented', `Email cannot carry ${event.kind}.`);
    if (event.type === 'groupchat') throw new StanzaError('not-acceptable', 'The email bridge has no rooms.');
    if (!this.ctx.isAllowed(event.user)) throw new StanzaError('forbidden', 'You may not use this gateway.');
    return this.out.send(event, options.signal, options.itemId);
  }
}
