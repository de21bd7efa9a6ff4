/**
 * A byte-level scanner of an XMPP stream: it finds where each top-level stanza starts and ends
 * (depth, quotes, comments, CDATA, processing instructions), checks that tags are well formed
 * and nested, and keeps the few attributes of top-level elements that the gateway needs.
 *
 * It holds no text, only bounded pieces of markup: a name being read, an attribute value of
 * the stream header or of a top-level element (capped). So a stanza of any size can be skipped
 * in constant memory (ltx's SAX parser, in contrast, keeps a whole text node or attribute value
 * across reads until it ends). Markup bytes (`<>/='"!?-]`) are ASCII and never occur inside a
 * UTF-8 multi-byte sequence, so scanning bytes is exact.
 */
import { Collector } from './bounded-collector.js';

const enum S {
  Text,
  Lt,
  Name,
  EndName,
  EndTail,
  Tag,
  AttrName,
  AttrEq,
  AttrQuote,
  AttrValue,
  Slash,
  Bang,
  Comment,
  Cdata,
  Pi,
}

const LT = 0x3c;
const GT = 0x3e;
const SLASH = 0x2f;
const BANG = 0x21;
const QUESTION = 0x3f;
const EQ = 0x3d;
const DQUOTE = 0x22;
const SQUOTE = 0x27;
const DASH = 0x2d;
const RSQB = 0x5d;
const AMP = 0x26;

const isSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
/** Bytes that end a name; any other byte of these in a name is an error. */
const endsName = (c: number): boolean => c <= 0x20 || c === SLASH || c === GT;
const badInName = (c: number): boolean => c === LT || c === EQ || c === DQUOTE || c === SQUOTE || c === BANG || c === QUESTION || c === AMP;

/** Longest attribute name and value kept for the stream header and top-level elements. */
const ATTR_NAME_CAP = 64;
/** RFC 7622 §3.1: a JID is at most 3071 bytes; ids and types are far shorter in practice. */
const ATTR_VALUE_CAP = 3071;
/** Longest top-level element name remembered for the report of a skipped stanza. */
const TOP_NAME_CAP = 64;
/** Top-level attributes kept (RFC 6120 §8.1): enough to answer the sender. */
const TOP_ATTRS = new Set(['from', 'to', 'id', 'type', 'xmlns']);
const CDATA_OPEN = '[CDATA[';

export interface ScannerSink {
  /** The stream header's attributes, raw (entity references not yet resolved). */
  header(name: string, attrs: Record<string, string>): void;
  /** A top-level element starts; `offset` is the index of its `<` in the chunk (-1: the chunk before). */
  stanzaBegin(offset: number): void;
  /** The top-level element ended just before `offset` in the chunk. */
  stanzaEnd(offset: number): void;
  streamEnd(): void;
  error(message: string): void;
}

export class StreamScanner {
  /** 0 before the header, 1 inside the stream, 2+ inside a top-level element. */
  depth = 0;
  /** Name of the current top-level element ('' when longer than TOP_NAME_CAP). */
  topName = '';
  /** Its from/to/id/type/xmlns, raw, as far as they were within the caps. */
  topAttrs: Record<string, string> = {};
  /** Keep element names to check nesting; off while a stanza is being skipped (no memory). */
  trackNames = true;
  private state = S.Text;
  private halted = false;
  private readonly names: string[] = [];
  private readonly name = new Collector();
  private readonly value = new Collector();
  private attrs: Record<string, string> = {};
  private attrName: string | undefined;
  private quote = 0;
  private tagName: string | undefined;
  private bang = '';
  private run = 0;

  constructor(
    private readonly sink: ScannerSink,
    private readonly nameCap: number,
  ) {}

  /** Stop scanning for good (the stream failed or ended). */
  halt(): void {
    this.halted = true;
  }

  /** Stop keeping names: the current stanza is skipped; nesting is then checked by depth only. */
  forgetNames(): void {
    this.trackNames = false;
    this.names.length = 0;
  }

  /** Bytes held across reads (names, attribute values, the open-element stack). */
  get held(): number {
    return this.name.held + this.value.held + this.names.reduce((n, s) => n + s.length, 0) + Object.values(this.attrs).reduce((n, v) => n + v.length, 0);
  }

  scan(chunk: Buffer): void {
    const len = chunk.length;
    for (let i = 0; i < len && !this.halted; i++) {
      switch (this.state) {
        case S.Text: {
          const lt = chunk.indexOf(LT, i);
          if (lt === -1) {
            i = len;
            break;
          }
          i = lt;
          this.state = S.Lt;
          break;
        }
        case S.Lt:
          this.afterLt(chunk, i);
          break;
        case S.Name:
        case S.EndName: {
          const c = chunk[i]!;
          if (!endsName(c)) {
            if (badInName(c)) this.fail(`'${String.fromCharCode(c)}' in an element name`);
            break;
          }
          if (c < 0x20 && !isSpace(c)) return this.fail('a control character in a tag');
          const name = this.name.finish(chunk, i, this.nameCapHere()) ?? '';
          if (this.state === S.EndName) {
            this.tagName = name;
            this.state = S.EndTail;
          } else {
            this.tagName = name;
            this.attrs = {};
            this.state = S.Tag;
          }
          i--; // let the tag states see the byte that ended the name
          break;
        }
        case S.EndTail: {
          const c = chunk[i]!;
          if (c === GT) this.endTag(i + 1);
          else if (!isSpace(c)) this.fail('junk in an end tag');
          break;
        }
        case S.Tag: {
          const c = chunk[i]!;
          if (c === GT) this.startTagDone(false, i + 1);
          else if (c === SLASH) this.state = S.Slash;
          else if (isSpace(c)) break;
          else if (badInName(c)) this.fail('a tag is not well formed');
          else {
            this.name.begin(i);
            this.state = S.AttrName;
          }
          break;
        }
        case S.AttrName: {
          const c = chunk[i]!;
          if (!isSpace(c) && c !== EQ) {
            if (c === GT || c === SLASH || badInName(c)) this.fail('an attribute without a value');
            break;
          }
          this.attrName = this.name.finish(chunk, i, ATTR_NAME_CAP);
          this.state = S.AttrEq;
          i--;
          break;
        }
        case S.AttrEq: {
          const c = chunk[i]!;
          if (c === EQ) this.state = S.AttrQuote;
          else if (!isSpace(c)) this.fail("an attribute without '='");
          break;
        }
        case S.AttrQuote: {
          const c = chunk[i]!;
          if (c === DQUOTE || c === SQUOTE) {
            this.quote = c;
            this.state = S.AttrValue;
            if (this.wantsAttr()) this.value.begin(i + 1);
          } else if (!isSpace(c)) this.fail('an attribute value without quotes');
          break;
        }
        case S.AttrValue: {
          const end = chunk.indexOf(this.quote, i);
          const lt = chunk.indexOf(LT, i);
          if (lt !== -1 && (end === -1 || lt < end)) return this.fail("'<' in an attribute value");
          if (end === -1) {
            i = len;
            break;
          }
          i = end;
          if (this.value.active) {
            const v = this.value.finish(chunk, end, ATTR_VALUE_CAP);
            if (v !== undefined && this.attrName !== undefined) this.attrs[this.attrName] = v;
          }
          this.attrName = undefined;
          this.state = S.Tag;
          break;
        }
        case S.Slash:
          if (chunk[i] === GT) this.startTagDone(true, i + 1);
          else this.fail("'/' not followed by '>' in a tag");
          break;
        case S.Bang:
          this.afterBang(chunk[i]!);
          break;
        case S.Comment:
        case S.Cdata: {
          const c = chunk[i]!;
          const mark = this.state === S.Comment ? DASH : RSQB;
          if (c === GT && this.run >= 2) this.state = S.Text;
          else this.run = c === mark ? this.run + 1 : 0;
          break;
        }
        case S.Pi: {
          const c = chunk[i]!;
          if (c === GT && this.run === 1) this.state = S.Text;
          else this.run = c === QUESTION ? 1 : 0;
          break;
        }
      }
    }
    if (this.halted) return;
    // A name or value that goes on in the next read: keep what was read of it (bounded).
    if (this.state === S.Name || this.state === S.EndName) this.name.take(chunk, len, this.nameCapHere());
    if (this.state === S.AttrName) this.name.take(chunk, len, ATTR_NAME_CAP);
    if (this.state === S.AttrValue) this.value.take(chunk, len, ATTR_VALUE_CAP);
  }

  private afterLt(chunk: Buffer, i: number): void {
    const c = chunk[i]!;
    if (c === SLASH) {
      this.state = S.EndName;
      this.name.begin(i + 1);
      return;
    }
    if (c === BANG) {
      this.bang = '';
      this.state = S.Bang;
      return;
    }
    if (c === QUESTION) {
      this.run = 0;
      this.state = S.Pi;
      return;
    }
    if (endsName(c) || badInName(c)) return this.fail("'<' not followed by a name");
    if (this.depth === 1) {
      this.topAttrs = {};
      this.topName = '';
      this.sink.stanzaBegin(i - 1);
    }
    this.state = S.Name;
    this.name.begin(i);
  }

  /** `<!--` starts a comment, `<![CDATA[` a CDATA section; anything else (a DOCTYPE) is refused. */
  private afterBang(c: number): void {
    this.bang += String.fromCharCode(c);
    if (this.bang === '--') {
      this.run = 0;
      this.state = S.Comment;
    } else if (this.bang === CDATA_OPEN) {
      if (this.depth < 2) return this.fail('CDATA outside an element');
      this.run = 0;
      this.state = S.Cdata;
    } else if (!'--'.startsWith(this.bang) && !CDATA_OPEN.startsWith(this.bang)) {
      // RFC 6120 §11.1: no DTDs in an XMPP stream.
      this.fail('a DOCTYPE or other declaration in the stream');
    }
  }

  /** Names inside a stanza being kept are bounded by the stanza limit; others need only a few bytes. */
  private nameCapHere(): number {
    return this.depth >= 1 && this.trackNames ? this.nameCap : TOP_NAME_CAP;
  }

  private wantsAttr(): boolean {
    if (this.attrName === undefined) return false;
    return this.depth === 0 || (this.depth === 1 && TOP_ATTRS.has(this.attrName));
  }

  private startTagDone(selfClosing: boolean, after: number): void {
    this.state = S.Text;
    const name = this.tagName ?? '';
    this.tagName = undefined;
    if (this.depth === 0) {
      const attrs = this.attrs;
      this.attrs = {};
      this.depth = 1;
      this.sink.header(name, attrs);
      if (selfClosing && !this.halted) {
        this.depth = 0;
        this.sink.streamEnd();
      }
      return;
    }
    if (this.depth === 1) {
      this.topName = Buffer.byteLength(name) <= TOP_NAME_CAP ? name : '';
      this.topAttrs = this.attrs;
    }
    this.attrs = {};
    if (selfClosing) {
      if (this.depth === 1) {
        this.trackNames = true;
        this.sink.stanzaEnd(after);
      }
      return;
    }
    if (this.trackNames) this.names.push(name);
    this.depth++;
  }

  private endTag(after: number): void {
    this.state = S.Text;
    const name = this.tagName ?? '';
    this.tagName = undefined;
    if (this.depth <= 1) {
      if (this.depth === 0 || name !== 'stream:stream') return this.fail(`unexpected </${name}>`);
      this.depth = 0;
      this.sink.streamEnd();
      return;
    }
    if (this.trackNames) {
      const open = this.names.pop();
      if (open !== name) return this.fail(`</${name}> does not close <${open ?? ''}>`);
    }
    this.depth--;
    if (this.depth === 1) {
      this.trackNames = true;
      this.sink.stanzaEnd(after);
    }
  }

  private fail(message: string): void {
    if (this.halted) return;
    this.halted = true;
    this.sink.error(message);
  }
}
