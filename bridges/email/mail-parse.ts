/**
 * MIME parsing of an accepted mail in bounded memory (mailparser's streaming MailParser; its
 * simpleParser keeps every part in memory, however many there are). A mail may carry any number
 * of MIME parts (RFC 2046 §5.1 sets no limit): parsing stops after `max_parts` parts, the first
 * `max_attachments` attachments are read and the rest drained and only counted; attachment bytes are kept up to the per-file limit and the
 * per-mail total, past which a file is only measured. What was left out is reported so that
 * the user gets a notice instead of silence.
 */
import type { EventEmitter } from 'node:events';
import { MailParser, type Attachment, type AttachmentStream, type HeaderLines, type Headers, type MessageText, type ParsedMail } from 'mailparser';

export interface MimeLimits {
  /** MIME parts (nodes) parsed per mail; past them parsing stops and `tooManyParts` is set. */
  maxParts: number;
  /** Attachments read per mail; later ones are counted in `skippedAttachments`. */
  maxAttachments: number;
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
  /** Attachments over `maxAttachments`, drained, not kept. */
  skippedAttachments: number;
  /** The mail has more than `maxParts` MIME parts: what came after them was not parsed. */
  tooManyParts: boolean;
}

/** The header fields simpleParser copies onto its result, with the property names it gives them. */
const HEADER_FIELDS: ReadonlyArray<readonly [header: string, property: string]> = [
  ['subject', 'subject'],
  ['references', 'references'],
  ['date', 'date'],
  ['to', 'to'],
  ['from', 'from'],
  ['cc', 'cc'],
  ['message-id', 'messageId'],
  ['in-reply-to', 'inReplyTo'],
  ['reply-to', 'replyTo'],
];

export function parseMail(raw: Buffer, limits: MimeLimits): Promise<ParsedInbound> {
  return new Promise((resolve, reject) => {
    const options = { skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true, maxChildNodes: limits.maxParts };
    const parser = new MailParser(options);
    let headers: Headers = new Map();
    let headerLines: HeaderLines = [];
    let text: MessageText | undefined;
    const attachments: MeasuredAttachment[] = [];
    let skippedAttachments = 0;
    let tooManyParts = false;
    let keptTotal = 0;

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
    const pending: Array<Promise<void>> = [];
    parser.on('data', (data: AttachmentStream | MessageText) => {
      if (data.type === 'text') {
        text = data;
        return;
      }
      if (pending.length >= limits.maxAttachments) {
        skippedAttachments += 1;
        data.content.on('end', () => data.release());
        data.content.on('data', () => undefined); // drained: flowing, nothing kept
        return;
      }
      pending.push(readAttachment(data));
    });
    // mailsplit stops at `maxChildNodes` with an error that mailparser does not pass on: it just
    // ends with the parts read so far. Its splitter is the only place that tells.
    (parser as unknown as { splitter?: EventEmitter }).splitter?.on('error', () => {
      tooManyParts = true;
    });
    parser.on('error', reject);
    const finish = (): void => {
      const parsed: Record<string, unknown> = { headers, headerLines, attachments, html: typeof text?.html === 'string' ? text.html : false };
      if (text?.text !== undefined) parsed.text = text.text;
      for (const [header, property] of HEADER_FIELDS) {
        const value = headers.get(header);
        if (value !== undefined) parsed[property] = value;
      }
      resolve({ parsed: parsed as unknown as ParsedMail, attachments, skippedAttachments, tooManyParts });
    };
    // Most mails have no attachment: nothing to wait for.
    parser.on('end', () => {
      if (pending.length === 0) finish();
      else Promise.all(pending).then(finish, reject);
    });
    parser.end(raw);
  });
}
