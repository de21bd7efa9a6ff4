/**
 * An XMPP stream parser on ltx's SAX parser: emits the stream header, each top-level stanza as
 * an ltx Element, and the stream end. ltx accepts any size, so the size of the stanza being
 * parsed is bounded here (RFC 6120 §13.12: a server or client may limit stanza size).
 */
import { EventEmitter } from 'node:events';
import { StringDecoder } from 'node:string_decoder';
import { Element } from 'ltx';
import SaxLtx from 'ltx/src/parsers/ltx.js';

export class StreamParseError extends Error {
  constructor(
    readonly condition: 'not-well-formed' | 'policy-violation' | 'invalid-namespace',
    message: string,
  ) {
    super(message);
    this.name = 'StreamParseError';
  }
}

export interface StreamParserEvents {
  start: [attrs: Record<string, string>];
  stanza: [el: Element];
  end: [];
  error: [err: StreamParseError];
}

export class StreamParser extends EventEmitter<StreamParserEvents> {
  private readonly sax = new SaxLtx();
  private readonly decoder = new StringDecoder('utf8');
  private current: Element | undefined;
  private depth = 0;
  private stanzaBytes = 0;
  /** What the SAX parser emitted of the current stanza (names, attributes, text), in UTF-16 units. */
  private parsedSize = 0;
  private failed = false;

  constructor(private readonly maxStanzaSize: number) {
    super();
    this.sax.on('startElement', (name: string, attrs: Record<string, string>) => this.onStart(name, attrs));
    this.sax.on('endElement', (name: string) => this.onEnd(name));
    this.sax.on('text', (text: string) => {
      if (!this.current || this.failed) return;
      this.current.t(text);
      this.charge(text.length);
    });
    this.sax.on('error', (err: Error) => this.fail(new StreamParseError('not-well-formed', err.message)));
  }

  write(chunk: Buffer | string): void {
    if (this.failed) return;
    const text = typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    this.sax.write(text);
    // Counted per chunk after parsing it: a stanza still open is charged the whole chunk, so the
    // bound is exact to within one read (≤ 64 KiB on a socket).
    if (this.current) this.stanzaBytes += Buffer.byteLength(text);
    if (!this.failed && this.current && this.stanzaBytes > this.maxStanzaSize) {
      this.fail(new StreamParseError('policy-violation', `stanza larger than ${this.maxStanzaSize} bytes`));
    }
  }

  private onStart(name: string, attrs: Record<string, string>): void {
    if (this.failed) return;
    if (this.depth === 0) {
      if (name !== 'stream:stream') return this.fail(new StreamParseError('not-well-formed', `expected stream:stream, got ${name}`));
      if (attrs['xmlns:stream'] !== 'http://etherx.jabber.org/streams') {
        return this.fail(new StreamParseError('invalid-namespace', 'wrong stream namespace'));
      }
      this.depth = 1;
      this.emit('start', attrs);
      return;
    }
    const el = new Element(name, attrs);
    if (this.current) this.current.cnode(el);
    else this.stanzaBytes = this.parsedSize = 0;
    this.current = el;
    this.depth++;
    this.charge(name.length + Object.entries(attrs).reduce((n, [k, v]) => n + k.length + v.length, 0));
  }

  /**
   * The per-chunk count above misses a stanza that starts and ends within one read; this one
   * counts what was parsed, so a complete oversized stanza is refused before it is emitted.
   */
  private charge(size: number): void {
    this.parsedSize += size;
    if (this.parsedSize > this.maxStanzaSize) this.fail(new StreamParseError('policy-violation', `stanza larger than ${this.maxStanzaSize} bytes`));
  }

  private onEnd(name: string): void {
    if (this.failed) return;
    if (this.depth === 1) {
      if (name !== 'stream:stream') return this.fail(new StreamParseError('not-well-formed', `unexpected </${name}>`));
      this.depth = 0;
      this.emit('end');
      return;
    }
    const el = this.current;
    if (!el || el.name !== name) return this.fail(new StreamParseError('not-well-formed', `unexpected </${name}>`));
    this.depth--;
    this.current = el.parent ?? undefined;
    if (!this.current) {
      el.parent = null;
      this.stanzaBytes = 0;
      this.emit('stanza', el);
    }
  }

  private fail(err: StreamParseError): void {
    if (this.failed) return;
    this.failed = true;
    this.emit('error', err);
  }
}
