/**
 * The DSN (RFC 3464) the bridge sends when a mail it accepted with 250 could not be delivered to
 * the XMPP user (RFC 5321 §6.1: having accepted it, we must report the failure). Its envelope
 * sender is the null reverse-path and it is only sent for mail that had a sender, so a DSN is
 * never answered with another (RFC 3464 §2, RFC 5321 §4.5.5).
 */
import { randomBytes } from 'node:crypto';
import { oneLine } from './mail-out.js';

/** What ingest keeps of an accepted mail, in the Inbound event's `ref`, for a DSN. */
export interface MailRef {
  /** Envelope sender (MAIL FROM); '' for the null reverse-path. */
  envelopeFrom: string;
  messageId?: string;
  subject?: string;
  /** RFC 5322 date-time of arrival. */
  arrival: string;
}

export interface DsnContext {
  /** The mailbox the mail was accepted for. */
  recipient: string;
  /** From of the report. */
  postmaster: string;
  /** Name of the listener (greeting name): the Reporting-MTA. */
  mta: string;
  reason: string;
  now: Date;
}

/** RFC 2047 encoded-word for a header text that is not plain ASCII. */
function headerText(text: string): string {
  const line = oneLine(text).slice(0, 200);
  return /^[\x20-\x7e]*$/.test(line) ? line : `=?utf-8?B?${Buffer.from(line, 'utf8').toString('base64')}?=`;
}

export function encodeMailRef(ref: MailRef): string {
  return JSON.stringify(ref);
}

export function decodeMailRef(text: string | undefined): MailRef | undefined {
  if (!text) return undefined;
  try {
    const r = JSON.parse(text) as Partial<MailRef>;
    if (typeof r.envelopeFrom !== 'string' || typeof r.arrival !== 'string') return undefined;
    return r as MailRef;
  } catch {
    return undefined;
  }
}

export interface DsnMessage {
  /** Envelope recipient and To: the original envelope sender. */
  to: string;
  /** The raw RFC 5322 message. */
  raw: string;
}

/**
 * The `multipart/report; report-type=delivery-status` about `ref`, from `postmaster`; undefined
 * when the mail had no sender to report to.
 */
export function buildDsn(ref: MailRef, c: DsnContext): DsnMessage | undefined {
  if (ref.envelopeFrom === '') return undefined;
  const { postmaster, now } = c;
  const boundary = `dsn-${randomBytes(12).toString('hex')}`;
  const domain = postmaster.slice(postmaster.lastIndexOf('@') + 1);
  const why = oneLine(c.reason).slice(0, 400);
  const lines = [
    `From: Mail Delivery System <${postmaster}>`,
    `To: <${ref.envelopeFrom}>`,
    `Subject: Undelivered Mail Returned to Sender${ref.subject ? `: ${headerText(ref.subject)}` : ''}`,
    `Date: ${now.toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <${randomBytes(16).toString('hex')}@${domain}>`,
    ...(ref.messageId ? [`In-Reply-To: ${ref.messageId}`, `References: ${ref.messageId}`] : []),
    // RFC 3834 §5: automatic replies are marked so that nobody answers them automatically.
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=delivery-status; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    `Your message to ${c.recipient} could not be delivered to the XMPP user behind that address.`,
    '',
    `Reason: ${why}`,
    '',
    `--${boundary}`,
    'Content-Type: message/delivery-status',
    '',
    // RFC 3464 §2.2: per-message fields.
    `Reporting-MTA: dns; ${c.mta}`,
    `Arrival-Date: ${ref.arrival}`,
    '',
    // §2.3: per-recipient fields. 5.1.1 bad destination mailbox / 4.4.x exhausted retries read
    // the same to a sender; the XMPP side gave up after its attempts, which is 5.0.0 here.
    `Final-Recipient: rfc822; ${c.recipient}`,
    'Action: failed',
    'Status: 5.0.0',
    `Diagnostic-Code: x-xmpp; ${why}`,
    '',
    `--${boundary}`,
    'Content-Type: text/rfc822-headers',
    '',
    `From: <${ref.envelopeFrom}>`,
    `To: <${c.recipient}>`,
    ...(ref.messageId ? [`Message-ID: ${ref.messageId}`] : []),
    ...(ref.subject ? [`Subject: ${headerText(ref.subject)}`] : []),
    '',
    `--${boundary}--`,
    '',
  ];
  return { to: ref.envelopeFrom, raw: lines.join('\r\n') };
}
