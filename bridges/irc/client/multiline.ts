/**
 * IRCv3 `draft/multiline` (https://ircv3.net/specs/extensions/multiline): a message of several
 * lines as one client batch (`BATCH +ref draft/multiline <target>`, PRIVMSGs tagged `batch=ref`,
 * `draft/multiline-concat` on a line joined to the one before without a break, `BATCH -ref`), the
 * server's limits from the capability value (`max-bytes=4096,max-lines=24`), and the inbound batch
 * put together as one message. Pure: no I/O.
 */
import type { BatchEvent, TextEvent } from './events.js';

export interface MultilineLimits {
  /** Bytes of message content one batch may carry (the spec's `max-bytes`, required). */
  maxBytes: number;
  /** Lines one batch may carry (`max-lines`, optional). */
  maxLines?: number;
}

/** The capability value's limits; undefined when `max-bytes` is missing or not a positive number (the cap is then unusable). */
export function parseMultilineLimits(value: string | undefined): MultilineLimits | undefined {
  if (value === undefined) return undefined;
  const fields = new Map<string, string>();
  for (const kv of value.split(',')) {
    const eq = kv.indexOf('=');
    if (eq > 0) fields.set(kv.slice(0, eq), kv.slice(eq + 1));
  }
  const num = (v: string | undefined) => (v !== undefined && /^\d{1,9}$/.test(v) && Number(v) > 0 ? Number(v) : undefined);
  const maxBytes = num(fields.get('max-bytes'));
  if (maxBytes === undefined) return undefined;
  const maxLines = num(fields.get('max-lines'));
  return maxLines === undefined ? { maxBytes } : { maxBytes, maxLines };
}

/** One line of an outgoing body: its wire text and whether it continues the line before. */
export interface MultilinePart {
  text: string;
  concat?: boolean;
}

const encoder = new TextEncoder();

/**
 * The parts grouped into batches within the limits, in order: `[start, end)` index ranges. A batch
 * is cut only where it must be; a batch cannot open with a concat line, so that line starts a new
 * line on the other side. Content bytes count the texts and one byte per line break between them
 * (the spec leaves the count to the server; this is the stricter reading). Undefined when one part
 * alone is over `max-bytes`: multiline cannot carry it, and the caller sends plain lines.
 */
export function planBatches(parts: readonly MultilinePart[], limits: MultilineLimits): Array<[number, number]> | undefined {
  const batches: Array<[number, number]> = [];
  let start = 0;
  let bytes = 0;
  for (let i = 0; i < parts.length; i++) {
    const n = encoder.encode(parts[i]!.text).length;
    if (n > limits.maxBytes) return undefined;
    const sep = i > start && !parts[i]!.concat ? 1 : 0;
    const full = (limits.maxLines !== undefined && i - start >= limits.maxLines) || bytes + sep + n > limits.maxBytes;
    if (i > start && full) {
      batches.push([start, i]);
      start = i;
      bytes = n;
    } else bytes += sep + n;
  }
  if (parts.length > start) batches.push([start, parts.length]);
  return batches;
}

/** The texts of a batch as the other side reads it: lines joined by LF, concat lines joined as they are. */
export function joinParts(parts: readonly MultilinePart[]): string {
  return parts.map((p, i) => (i > 0 && !p.concat ? `\n${p.text}` : p.text)).join('');
}

/** One command of a batch for the throttled queue. */
export interface BatchLine {
  command: string;
  params: string[];
  tags: Record<string, string>;
}

/** The lines of one outgoing batch; `openTags` (a label, client tags) go on its `BATCH +` line, as the spec says. */
export function batchLines(
  ref: string,
  command: 'PRIVMSG' | 'NOTICE',
  target: string,
  parts: readonly MultilinePart[],
  openTags: Record<string, string> = {},
): BatchLine[] {
  return [
    { command: 'BATCH', params: [`+${ref}`, 'draft/multiline', target], tags: openTags },
    ...parts.map((p, i): BatchLine => {
      const tags: Record<string, string> = i > 0 && p.concat ? { batch: ref, 'draft/multiline-concat': '' } : { batch: ref };
      return { command, params: [target, p.text], tags };
    }),
    { command: 'BATCH', params: [`-${ref}`], tags: {} },
  ];
}

interface Open {
  opening: BatchEvent;
  target: string;
  type?: TextEvent['type'];
  text: string;
  lines: number;
  truncated: boolean;
}

/**
 * Inbound multiline batches of one connection, each put together as one text event with the
 * opening line's source, msgid, time, label and client tags (and its own `batch` tag, when the
 * multiline batch sits inside another, e.g. a chathistory replay). Bounded: at most `maxOpen`
 * batches at once, `maxLines` lines and `maxChars` characters each; beyond, lines are dropped and
 * the event says `truncated`.
 */
export class MultilineAssembler {
  private readonly open = new Map<string, Open>();

  constructor(private readonly bounds: { maxOpen: number; maxLines: number; maxChars: number }) {}

  /** `BATCH +ref draft/multiline <target>`: start one (false when it is not one, or too many are open). */
  begin(ev: BatchEvent): boolean {
    if (!ev.opening || ev.batchType !== 'draft/multiline' || !ev.params[0]) return false;
    if (this.open.size >= this.bounds.maxOpen && !this.open.has(ev.ref)) return false;
    this.open.set(ev.ref, { opening: ev, target: ev.params[0], text: '', lines: 0, truncated: false });
    return true;
  }

  /** A line of an open multiline batch is taken (true); anything else is not ours. Lines of another target or command are dropped. */
  take(ev: TextEvent): boolean {
    const b = ev.batch === undefined ? undefined : this.open.get(ev.batch);
    if (!b) return false;
    if (ev.target !== b.target || (b.type !== undefined && ev.type !== b.type)) return true;
    b.type = ev.type;
    const piece = b.lines > 0 && !ev.concat ? `\n${ev.text}` : ev.text;
    if (b.lines >= this.bounds.maxLines || b.text.length + piece.length > this.bounds.maxChars) b.truncated = true;
    else {
      b.text += piece;
      b.lines++;
    }
    return true;
  }

  /** `BATCH -ref`: the whole message, or undefined when the batch was not an open multiline one or held no line. */
  end(ref: string): (TextEvent & { truncated: boolean }) | undefined {
    const b = this.open.get(ref);
    if (!b) return undefined;
    this.open.delete(ref);
    if (b.lines === 0 || b.type === undefined) return undefined;
    const { source, msgid, time, label, batch, reply, react, unreact, typing } = b.opening;
    const tags = { msgid, time, label, batch, reply, react, unreact, typing };
    const defined = Object.fromEntries(Object.entries(tags).filter(([, v]) => v !== undefined)) as Partial<TextEvent>;
    return { ...defined, type: b.type, source, target: b.target, text: b.text, truncated: b.truncated };
  }

  clear(): void {
    this.open.clear();
  }
}
