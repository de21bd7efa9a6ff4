/**
 * MIME parsing of an accepted mail in bounded memory (mailparser's streaming MailParser; its
 * simpleParser keeps every part in memory, however many there are). A mail may carry any number
 * of MIME parts (RFC 2046 §5.1 sets no limit): the first `max_parts` attachments are read, the
 * rest are drained and only counted; attachment bytes are kept up to the per-file limit and the
 * per-mail total, past which a file is only measured. What was left out is reported so that
 * the user gets a notice instead of silence.
 */
import { MailParser, type Attachment, type AttachmentStream, type HeaderLines, type Headers, type MessageText, type ParsedMail } from 'mailparser';

export interface MimeLimits {
  /** Attachments read per mail; later ones are counted in `skippedParts`. */
  maxParts: number;
  /** Bytes kept of one attachment; a larger one is measured, not kept (`content` empty, `cut`). */
  maxAttachmentBytes: number;
  /** Attachment bytes kept per mail in all. */
  maxTotalBytes: number;
}

export interface MeasuredAttachment extends Attachment {
  /** True when the content was not kept (over a limit); `size` is still the real size. */
  cut: boolean;
}

export interface ParsedInbound {
  parsed: ParsedMail;
  /** The same as `parsed.attachments`, with what was cut marked. */
  attachments: MeasuredAttachment[];
  /** Attachments over `maxParts`, not read. */
  skippedParts: number;
}

const HEADER_FIELDS = ['subject', 'references', 'date', 'to', 'from', 'cc', 'message-id', 'in-reply-to', 'reply-to'] as const;

export function parseMail(raw: Buffer, limits: MimeLimits): Promise<ParsedInbound> {
  return new Promise((resolve, reject) => {
    const parser = new MailParser({ skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true });
    let headers: Headers = new Map();
    let headerLines: HeaderLines = [];
    let text: MessageText | undefined;
    const attachments: MeasuredAttachment[] = [];
    let skippedParts = 0;
    let keptTotal = 0;
    const pending: Array<Promise<void>> = [];

    const readAttachment = (att: AttachmentStream): Promise<void> =>
      new Promise((done, fail) => {
        const chunks: Buffer[] = [];
        let size = 0;
        let cut = false;
        att.content.on('data', (c: Buffer) => {
          size += c.length;
          if (cut) return;
          if (size > limits.maxAttachmentBytes || keptTotal + c.length > limits.maxTotalBytes) {
            cut = true;
            keptTotal -= chunks.reduce((n, b) => n + b.length, 0);
            chunks.length = 0;
            return;
          }
          keptTotal += c.length;
          chunks.push(c);
        });
        att.content.on('end', () => {
          const { content: _stream, release, ...meta } = att;
          void _stream;
          attachments.push({ ...meta, related: meta.related ?? false, content: cut ? Buffer.alloc(0) : Buffer.concat(chunks), size, cut });
          release();
          done();
        });
        att.content.on('error', fail);
      });

    parser.on('headers', (h: Headers) => {
      headers = h;
    });
    parser.on('headerLines', (lines: HeaderLines) => {
      headerLines = lines;
    });
    parser.on('data', (data: AttachmentStream | MessageText) => {
      if (data.type === 'text') {
        text = data;
        return;
      }
      if (attachments.length + pending.length >= limits.maxParts) {
        skippedParts += 1;
        data.content.on('end', () => data.release());
        data.content.on('data', () => undefined); // drain: flowing mode, nothing kept
        return;
      }
      pending.push(readAttachment(data));
    });
    parser.on('error', reject);
    parser.on('end', () => {
      Promise.all(pending).then(() => {
        const fields: Record<string, unknown> = {};
        for (const key of HEADER_FIELDS) {
          if (headers.has(key)) fields[key.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase())] = headers.get(key);
        }
        const parsed = {
          ...fields,
          headers,
          headerLines,
          attachments,
          html: typeof text?.html === 'string' ? text.html : false,
          ...(text?.text !== undefined ? { text: text.text } : {}),
        } as ParsedMail;
        resolve({ parsed, attachments, skippedParts });
      }, reject);
    });
    parser.end(raw);
  });
}
