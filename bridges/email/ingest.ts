/**
 * One accepted mail → Inbound events, committed before the SMTP reply (RFC 5321 §6.1).
 * Text: the text/plain part (HTML converted when there is none) without the quoted previous
 * message; subject on a new or changed thread; attachments as OOB links (XEP-0066); DSNs as
 * failed receipts of the message they are about.
 */
import { createHash } from 'node:crypto';
import type { BridgeContext } from '../../src/core/bridge.js';
import type { ErrorCondition, Inbound } from '../../src/core/model.js';
import { localpartOfAddress, normaliseAddress } from './address.js';
import type { AttachmentStore } from './attachments.js';
import type { EmailConfig } from './config.js';
import { parseDsn, type DsnFailure, type DsnReport } from './dsn.js';
import { encodeMailRef } from './dsn-out.js';
import { readInboundMail, type InboundMail } from './inbound-mail.js';
import type { Verdict } from './sender-auth.js';
import { baseSubject, derivedThread, Threads } from './threads.js';

export interface IncomingMail {
  raw: Buffer;
  /** Bare JIDs of the recipients' users (validated at RCPT). */
  users: string[];
  /** Envelope sender (MAIL FROM); '' for the null reverse-path of bounces. */
  envelopeFrom: string;
  verdict?: Verdict;
}

/** RFC 3463 status → the condition the user sees. */
function dsnCondition(status: string | undefined): ErrorCondition {
  if (status?.startsWith('5.1.')) return 'item-not-found';
  if (status?.startsWith('5.7.')) return 'forbidden';
  return 'recipient-unavailable';
}

/** The handoff kind of a DSN about a mail another slot sent (sharded mode, src/core/handoff.ts). */
export const DSN_HANDOFF = 'dsn';

export class Ingest {
  private readonly threads: Threads;

  constructor(
    private readonly ctx: BridgeContext,
    private readonly config: EmailConfig,
    private readonly attachments: AttachmentStore,
  ) {
    this.threads = new Threads(ctx.kv);
  }

  async accept(mail: IncomingMail): Promise<void> {
    const parsed = await readInboundMail(mail.raw, this.config);
    const { messageId } = parsed;
    // Without a Message-ID a retransmission is recognised by its content.
    const key = messageId ? `msgid:${messageId}` : `sha:${createHash('sha256').update(mail.raw).digest('hex')}`;

    const dsn = parseDsn(parsed.parsed);
    if (dsn && (await this.acceptDsn(dsn, mail.users, key))) return;

    for (const user of mail.users) await this.deliverTo(user, parsed, mail, messageId, key);
  }

  private async acceptDsn(dsn: DsnReport, users: string[], key: string): Promise<boolean> {
    if (await this.reportBounce(dsn, users, key)) return true;
    // Sharded mode: another slot sent the mail (its message map has the id); it reports it.
    const failure = dsn.failures[0];
    if (!failure || !this.ctx.handOff || dsn.originalIds.length === 0) return false;
    const payload = { ids: JSON.stringify(dsn.originalIds), users: JSON.stringify(users), key, failure: JSON.stringify(failure) };
    return this.ctx.handOff(DSN_HANDOFF, payload, { ifKnown: dsn.originalIds });
  }

  /** A DSN another slot's instance took (acceptDsn): reported when this slot sent the mail. */
  async takeHandedDsn(payload: Readonly<Record<string, string>>): Promise<boolean> {
    const parse = <T>(text: string | undefined, fallback: T): T => (text === undefined ? fallback : (JSON.parse(text) as T));
    const dsn: DsnReport = { originalIds: parse<string[]>(payload.ids, []), failures: [parse<DsnFailure>(payload.failure, {})] };
    return this.reportBounce(dsn, parse<string[]>(payload.users, []), payload.key ?? '');
  }

  /** The failed receipt of the message a DSN is about, when this store has it; false when not. */
  private async reportBounce(dsn: DsnReport, users: string[], key: string): Promise<boolean> {
    for (const id of dsn.originalIds) {
      const entry = this.ctx.messages.byNetworkId(id);
      if (!entry || !users.includes(entry.user)) continue;
      const failure = dsn.failures[0];
      if (!failure) return true; // delayed/delivered/relayed reports carry no failure to show
      await this.ctx.deliver(
        {
          kind: 'receipt',
          user: entry.user,
          from: entry.peer ?? '',
          id: entry.xmppId,
          state: 'failed',
          condition: dsnCondition(failure.status),
          text: `Mail to ${failure.recipient ?? 'the recipient'} bounced: ${failure.diagnostic ?? failure.status ?? 'delivery failed'}`,
          ...(entry.resource ? { toResource: entry.resource } : {}),
        },
        { dedupeKey: `${key}|${entry.user}` },
      );
      this.ctx.metrics.count('dsn_failed');
      return true;
    }
    return false;
  }

  private sender(parsed: InboundMail, envelopeFrom: string): { localpart: string; name?: string } {
    for (const candidate of [parsed.fromAddress, envelopeFrom]) {
      const address = candidate ? normaliseAddress(candidate) : undefined;
      if (address) return { localpart: localpartOfAddress(address), ...(parsed.fromName ? { name: parsed.fromName } : {}) };
    }
    return { localpart: '' }; // no usable sender: the mail comes from the gateway domain itself
  }

  private async deliverTo(user: string, parsed: InboundMail, mail: IncomingMail, messageId: string | undefined, key: string): Promise<void> {
    const sender = this.sender(parsed, mail.envelopeFrom);
    const { inReplyTo, references, subject } = parsed;
    const thread = this.threads.resolveInbound(user, messageId, inReplyTo, references);
    // One read of the conversation for the lookup and the record (no await in between).
    const conversation = this.threads.with(user, sender.localpart);
    const previous = conversation.get(thread);
    const subjectChanged = !!subject && (!previous?.subject || baseSubject(previous.subject) !== baseSubject(subject));
    if (messageId) {
      // A chain's first mail needs no `mid:` entry: replies derive its thread from their root.
      const derived = inReplyTo.length === 0 && references.length === 0 && thread === derivedThread(user, messageId, [], []);
      conversation.record(thread, messageId, [...references, ...inReplyTo], subject || undefined, derived);
    }

    const marker = this.config.authentication.verify && mail.verdict && mail.verdict.result !== 'pass' ? this.config.authentication.unverified_marker : '';
    const events: Array<Extract<Inbound, { kind: 'message' }>> = [];
    const { text } = parsed;
    const base = { kind: 'message' as const, type: 'chat' as const, user, from: sender.localpart, thread };
    if (text !== '' || parsed.attachments.length === 0) {
      events.push({ ...base, body: marker + text });
    }
    const { max_bytes, max_total_bytes } = this.config.attachments;
    for (const [n, att] of parsed.attachments.entries()) {
      if (att.cut || !this.attachments.available) {
        const why = !this.attachments.available
          ? 'the gateway has no public URL'
          : att.cut === 'too-large'
            ? `larger than ${max_bytes} bytes`
            : `the mail's attachments exceed ${max_total_bytes} bytes`;
        events.push({ ...base, body: `${marker}[attachment ${att.name} (${att.size} bytes) not offered: ${why}]` });
        continue;
      }
      const stored = await this.attachments.save(`${key}|${user}|${n}`, att.content, att.name, att.contentType);
      events.push({ ...base, body: stored.url, oob: [{ url: stored.url, desc: stored.name }] });
    }
    for (const notice of parsed.notices) events.push({ ...base, body: `${marker}${notice}` });
    // RFC 5322 Subject → XMPP <subject> only when it starts or changes the thread.
    if (events[0] && subjectChanged && subject) events[0] = { ...events[0], subject };
    // The first event carries what a DSN needs, should the user never get it (adapter.inboundDead).
    if (events[0]) {
      const ref = encodeMailRef({
        envelopeFrom: mail.envelopeFrom,
        arrival: new Date(this.ctx.clock.now()).toUTCString(),
        ...(messageId ? { messageId } : {}),
        ...(subject ? { subject } : {}),
      });
      events[0] = { ...events[0], ref };
    }

    for (const [i, event] of events.entries()) {
      await this.ctx.deliver(event, { dedupeKey: i === 0 ? `${key}|${user}` : `${key}|${user}|${i}` });
    }
    this.ctx.metrics.count('mail_in');
    this.ctx.log.debug({ event: 'mail_in', user, thread, verdict: mail.verdict?.summary, body: text }, 'mail delivered');
  }
}
