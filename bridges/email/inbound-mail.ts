/**
 * The inbound boundary of the email bridge: raw message → one cleaned, bounded value. Every
 * field a user will see is cleaned here (clean-text.ts), once, and nothing later reads the raw
 * parse for display: the body (text/plain, else HTML converted to text, without the quoted
 * reply), the subject, the sender's display name, the attachments' names and types.
 */
import { convert } from 'html-to-text';
import type { ParsedMail } from 'mailparser';
import { cleanFileName, cleanLine, cleanText } from './clean-text.js';
import type { EmailConfig } from './config.js';
import { parseMail } from './mail-parse.js';
import { stripReply } from './reply-strip.js';

export interface InboundAttachment {
  name: string;
  contentType: string;
  content: Buffer;
  size: number;
  /** Not kept: over `attachments.max_bytes`, or past `attachments.max_total_bytes` of the mail. */
  cut: 'too-large' | 'over-total' | undefined;
}

export interface InboundMail {
  /** The parse, for what is not displayed (DSN reports). */
  parsed: ParsedMail;
  messageId: string | undefined;
  inReplyTo: string[];
  references: string[];
  subject: string | undefined;
  fromAddress: string | undefined;
  fromName: string | undefined;
  /** The new text of the mail, cleaned and cut to `mime.max_text_chars` (with a notice). */
  text: string;
  attachments: InboundAttachment[];
  /** Notices for the user about what was left out (over `mime.max_attachments` / `mime.max_parts`). */
  notices: string[];
}

function ids(value: string | string[] | undefined): string[] {
  const text = Array.isArray(value) ? value.join(' ') : (value ?? '');
  return text.match(/<[^<>\s]+>/g) ?? [];
}

function bodyText(parsed: ParsedMail): string {
  if (parsed.text?.trim()) return parsed.text;
  if (typeof parsed.html !== 'string') return '';
  return convert(parsed.html, { wordwrap: false, selectors: [{ selector: 'img', format: 'skip' }] });
}

/** Cut to `max` characters (never inside a surrogate pair) and say how much was left out. */
function bounded(text: string, max: number): string {
  if (text.length <= max) return text; // UTF-16 units: never fewer than characters
  const chars = [...text];
  if (chars.length <= max) return text;
  return `${chars.slice(0, max).join('')}\n[… ${chars.length - max} more characters not shown: the gateway delivers at most ${max} per mail]`;
}

export async function readInboundMail(raw: Buffer, config: EmailConfig): Promise<InboundMail> {
  const { parsed, attachments: measured, skippedAttachments, tooManyParts } = await parseMail(raw, {
    maxParts: config.mime.max_parts,
    maxAttachments: config.mime.max_attachments,
    maxAttachmentBytes: config.attachments.max_bytes,
    maxTotalBytes: config.attachments.max_total_bytes,
  });
  const messageId = parsed.messageId && /^<[^<>\s]+>$/.test(parsed.messageId) ? parsed.messageId : undefined;
  const from = parsed.from?.value[0];
  const subject = parsed.subject !== undefined ? cleanLine(parsed.subject) : undefined;
  const name = from?.name ? cleanLine(from.name) : '';
  const text = bounded(stripReply(cleanText(bodyText(parsed))).trim(), config.mime.max_text_chars);
  const attachments: InboundAttachment[] = measured
    .filter((att) => !att.related) // inline images of an HTML body
    .map((att) => ({
      name: cleanFileName(att.filename),
      contentType: /^[\w.+-]+\/[\w.+-]+$/.test(att.contentType) ? att.contentType : 'application/octet-stream',
      content: att.content,
      size: att.size,
      cut: !att.cut ? undefined : att.size > config.attachments.max_bytes ? 'too-large' : 'over-total',
    }));
  const notices: string[] = [];
  const n = skippedAttachments;
  if (n > 0) notices.push(`[${n} more attachment${n === 1 ? '' : 's'} not shown: the gateway offers at most ${config.mime.max_attachments} per mail]`);
  if (tooManyParts) notices.push(`[the mail has more than ${config.mime.max_parts} MIME parts: the rest of it is not shown]`);
  return {
    parsed,
    messageId,
    inReplyTo: ids(parsed.inReplyTo),
    references: ids(parsed.references),
    subject: subject || undefined,
    fromAddress: from?.address,
    fromName: name || undefined,
    text,
    attachments,
    notices,
  };
}
