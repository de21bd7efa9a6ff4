/**
 * Delivery status notifications (RFC 3464): a `multipart/report; report-type=delivery-status`
 * about a message we sent. mailparser folds the `message/delivery-status` part into the text,
 * so the per-recipient fields are read from there; the original Message-ID comes from the
 * returned headers (`text/rfc822-headers` or `message/rfc822`) or the report's own
 * In-Reply-To/References.
 */
import type { ParsedMail } from 'mailparser';

export interface DsnFailure {
  recipient?: string;
  /** RFC 3463 enhanced status code, e.g. `5.1.1`. */
  status?: string;
  diagnostic?: string;
}

export interface DsnReport {
  failures: DsnFailure[];
  /** Message-IDs the report may be about, most specific first. */
  originalIds: string[];
}

function headerIds(value: string | string[] | undefined): string[] {
  const text = Array.isArray(value) ? value.join(' ') : (value ?? '');
  return text.match(/<[^<>\s]+>/g) ?? [];
}

/** The report, or undefined when the mail is not a delivery status notification. */
export function parseDsn(mail: ParsedMail): DsnReport | undefined {
  const type = mail.headers.get('content-type');
  if (!type || typeof type !== 'object' || !('value' in type)) return undefined;
  const ct = type as { value: string; params?: Record<string, string> };
  if (ct.value.toLowerCase() !== 'multipart/report' || ct.params?.['report-type']?.toLowerCase() !== 'delivery-status') return undefined;

  const text = (mail.text ?? '').replace(/\r\n/g, '\n');
  // RFC 3464 §2.3: per-recipient groups are separated by blank lines; continuation lines start with whitespace.
  const unfolded = text.replace(/\n[ \t]+/g, ' ');
  const failures: DsnFailure[] = [];
  for (const group of unfolded.split(/\n\s*\n/)) {
    const action = /^Action:\s*(\S+)/im.exec(group)?.[1]?.toLowerCase();
    if (action !== 'failed') continue;
    const recipient = /^Final-Recipient:\s*[^;]*;\s*(\S+)/im.exec(group)?.[1];
    const status = /^Status:\s*(\d\.\d{1,3}\.\d{1,3})/im.exec(group)?.[1];
    const diagnostic = /^Diagnostic-Code:\s*[^;]*;\s*(.+)$/im.exec(group)?.[1]?.trim();
    failures.push({
      ...(recipient ? { recipient } : {}),
      ...(status ? { status } : {}),
      ...(diagnostic ? { diagnostic } : {}),
    });
  }

  const originalIds: string[] = [];
  for (const att of mail.attachments) {
    const ctype = att.contentType.toLowerCase();
    if (ctype !== 'text/rfc822-headers' && ctype !== 'message/rfc822') continue;
    const head = att.content.toString('utf8').split(/\r?\n\r?\n/)[0] ?? '';
    const id = /^Message-ID:\s*(<[^<>\s]+>)/im.exec(head)?.[1];
    if (id) originalIds.push(id);
  }
  originalIds.push(...headerIds(mail.inReplyTo), ...headerIds(mail.references).reverse());
  return { failures, originalIds: [...new Set(originalIds)] };
}
