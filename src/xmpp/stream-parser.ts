/**
 * An XMPP stream parser: emits the stream header, each top-level stanza as an ltx Element, and
 * the stream end. RFC 6120 §13.12 lets an entity limit stanza size; a stanza over the limit is
 * not a broken stream, so it is skipped (not closed on) and reported with what identifies it,
 * for the component to answer the sender.
 *
 * stream-scanner.ts finds the stanza boundaries at the byte level. Bytes of a stanza are kept
 * until it ends, and only while the stanza is within the limit: past it they are dropped and the
 * rest of the stanza is only counted, so memory stays bounded whatever the server sends. ltx
 * builds the Element from a complete stanza only; its SAX parser is never fed an oversized one
 * (it would keep a whole text node across reads).
 */
import { EventEmitter } from 'node:events';
import { Element, unescapeXML } from 'ltx';
import SaxLtx from 'ltx/src/parsers/ltx.js';
import { StreamScanner, type ScannerSink } from './stream-scanner.js';

const EMPTY = Buffer.alloc(0);

export class StreamParseError extends Error {
  constructor(
    readonly condition: 'not-well-formed' | 'invalid-namespace',
    message: string,
  ) {
    super(message);
    this.name = 'StreamParseError';
  }
}

/** A stanza skipped for its size: its top-level name and addressing, never its content. */
export interface OversizedStanza {
  name: string;
  /** from, to, id, type as far as they were readable (entity references resolved). */
  attrs: { from?: string; to?: string; id?: string; type?: string };
  /** Its whole size in bytes, counted to its end. */
  size: number;
}

export interface StreamParserEvents {
  start: [attrs: Record<string, string>];
  stanza: [el: Element];
  oversized: [stanza: OversizedStanza];
  end: [];
  error: [err: StreamParseError];
}

export class StreamParser extends EventEmitter<StreamParserEvents> {
  private readonly scanner: StreamScanner;
  private readonly sax = new SaxLtx();
  /** Pieces of the current stanza while it is within the limit; empty while skipping. */
  private parts: Buffer[] = [];
  private stanzaBytes = 0;
  private skipping = false;
  /** Between the '<' of a top-level element and its end (its start tag may itself span reads). */
  private open = false;
  /** Where the current stanza's bytes start in the chunk being scanned. */
  private segmentStart = 0;
  private chunk: Buffer = EMPTY;
  private building: Element | undefined;
  private built: Element | undefined;
  private failed = false;

  constructor(private readonly maxStanzaSize: number) {
    super();
    const sink: ScannerSink = {
      header: (name, attrs) => this.onHeader(name, attrs),
      stanzaBegin: (offset) => this.onStanzaBegin(offset),
      stanzaEnd: (offset) => this.onStanzaEnd(offset),
      streamEnd: () => {
        this.scanner.halt();
        this.emit('end');
      },
      error: (message) => this.fail(new StreamParseError('not-well-formed', message)),
    };
    this.scanner = new StreamScanner(sink, maxStanzaSize);
    this.sax.on('startElement', (name: string, attrs: Record<string, string>) => {
      const el = new Element(name, attrs);
      if (this.building) this.building.cnode(el);
      this.building = el;
    });
    this.sax.on('endElement', () => {
      const el = this.building;
      this.building = el?.parent ?? undefined;
      if (el && !this.building) this.built = el;
    });
    this.sax.on('text', (text: string) => this.building?.t(text));
  }

  /** Bytes this parser holds between reads: at most the limit, plus a few capped attributes. */
  get retainedBytes(): number {
    return this.parts.reduce((n, p) => n + p.length, 0) + this.scanner.tags.held;
  }

  write(data: Buffer | string): void {
    if (this.failed) return;
    const chunk = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    this.chunk = chunk;
    this.segmentStart = 0;
    this.scanner.scan(chunk);
    this.chunk = EMPTY;
    if (this.failed || !this.open) return;
    // The stanza goes on in the next read: keep this piece, or stop keeping at the limit.
    this.stanzaBytes += chunk.length - this.segmentStart;
    if (!this.skipping && this.stanzaBytes > this.maxStanzaSize) {
      this.skipping = true;
      this.parts = [];
      this.scanner.tags.forgetNames();
    }
    if (!this.skipping && chunk.length > this.segmentStart) this.parts.push(Buffer.from(chunk.subarray(this.segmentStart)));
  }

  private onHeader(name: string, raw: Record<string, string>): void {
    if (name !== 'stream:stream') return this.fail(new StreamParseError('not-well-formed', `expected stream:stream, got ${name}`));
    const attrs = unescapeAll(raw);
    if (!attrs) return this.fail(new StreamParseError('not-well-formed', 'an invalid entity reference in the stream header'));
    if (attrs['xmlns:stream'] !== 'http://etherx.jabber.org/streams') return this.fail(new StreamParseError('invalid-namespace', 'wrong stream namespace'));
    this.emit('start', attrs);
  }

  private onStanzaBegin(offset: number): void {
    this.parts = [];
    this.skipping = false;
    this.open = true;
    this.segmentStart = Math.max(offset, 0);
    // The '<' was the last byte of the previous read.
    this.stanzaBytes = offset < 0 ? 1 : 0;
    if (offset < 0) this.parts.push(Buffer.from('<'));
  }

  private onStanzaEnd(offset: number): void {
    this.stanzaBytes += offset - this.segmentStart;
    const size = this.stanzaBytes;
    const skipped = this.skipping || size > this.maxStanzaSize;
    const parts = this.parts;
    if (!skipped) parts.push(this.chunk.subarray(this.segmentStart, offset));
    this.parts = [];
    this.skipping = false;
    this.open = false;
    this.stanzaBytes = 0;
    this.segmentStart = offset;
    if (skipped) {
      const attrs = unescapeAll(this.scanner.tags.topAttrs) ?? {};
      const kept: OversizedStanza['attrs'] = {};
      for (const key of ['from', 'to', 'id', 'type'] as const) if (attrs[key] !== undefined) kept[key] = attrs[key];
      this.emit('oversized', { name: this.scanner.tags.topName, attrs: kept, size });
      return;
    }
    this.build(parts.length === 1 ? parts[0]! : Buffer.concat(parts));
  }

  private build(bytes: Buffer): void {
    this.building = this.built = undefined;
    try {
      this.sax.write(bytes.toString('utf8'));
    } catch (err) {
      // ltx throws on an unknown entity or a character reference outside XML's Char production.
      return this.fail(new StreamParseError('not-well-formed', err instanceof Error ? err.message : String(err)));
    }
    const el = this.built;
    this.building = this.built = undefined;
    if (!el) return this.fail(new StreamParseError('not-well-formed', 'a stanza that could not be read'));
    this.emit('stanza', el);
  }

  private fail(err: StreamParseError): void {
    if (this.failed) return;
    this.failed = true;
    this.scanner.halt();
    this.parts = [];
    this.emit('error', err);
  }
}

/** Attribute values with entity references resolved; undefined when one is invalid. */
function unescapeAll(raw: Record<string, string>): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  try {
    for (const [k, v] of Object.entries(raw)) out[k] = unescapeXML(v);
  } catch {
    return undefined;
  }
  return out;
}
