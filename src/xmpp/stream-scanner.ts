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
import { badInName, endsName, isSpace, ScannerTags, TOP_NAME_CAP } from './scanner-tags.js';

/** Where the scanner is: in text, a tag (name, attributes), an end tag, or markup it skips. */
const enum S { Text, Lt, Name, EndName, EndTail, Tag, AttrName, AttrEq, AttrQuote, AttrValue, Slash, Bang, Comment, Cdata, Pi }

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
  private state = S.Text;
  private halted = false;
  /** Names and attributes: what is kept of them, bounded (scanner-tags.ts); the top-level element's. */
  readonly tags: ScannerTags;
  private quote = 0;
  private bang = '';
  private run = 0;

  constructor(
    private readonly sink: ScannerSink,
    nameCap: number,
  ) {
    this.tags = new ScannerTags(nameCap);
  }


  /** Stop scanning for good (the stream failed or ended). */
  halt(): void {
    this.halted = true;
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
          this.tags.tagName = this.tags.finishName(chunk, i);
          if (this.state === S.EndName) this.state = S.EndTail;
          else {
            // Attributes are kept only in the header and top-level tags (scanner-tags.ts).
            if (this.tags.depth <= 1) this.tags.attrs = {};
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
            this.tags.beginAttrName(i);
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
          this.tags.finishAttrName(chunk, i);
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
            this.tags.beginValue(i + 1);
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
          this.tags.finishValue(chunk, end);
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
    if (this.state === S.Name || this.state === S.EndName || this.state === S.AttrName) this.tags.carryName(chunk, len, this.state === S.AttrName);
    if (this.state === S.AttrValue) this.tags.carryValue(chunk, len);
  }

  private afterLt(chunk: Buffer, i: number): void {
    const c = chunk[i]!;
    if (c === SLASH) {
      this.state = S.EndName;
      this.tags.beginName(i + 1);
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
    if (this.tags.depth === 1) {
      this.tags.topAttrs = {};
      this.tags.topName = '';
      this.sink.stanzaBegin(i - 1);
    }
    this.state = S.Name;
    this.tags.beginName(i);
  }

  /** `<!--` starts a comment, `<![CDATA[` a CDATA section; anything else (a DOCTYPE) is refused. */
  private afterBang(c: number): void {
    this.bang += String.fromCharCode(c);
    if (this.bang === '--') {
      this.run = 0;
      this.state = S.Comment;
    } else if (this.bang === CDATA_OPEN) {
      if (this.tags.depth < 2) return this.fail('CDATA outside an element');
      this.run = 0;
      this.state = S.Cdata;
    } else if (!'--'.startsWith(this.bang) && !CDATA_OPEN.startsWith(this.bang)) {
      // RFC 6120 §11.1: no DTDs in an XMPP stream.
      this.fail('a DOCTYPE or other declaration in the stream');
    }
  }

  private startTagDone(selfClosing: boolean, after: number): void {
    this.state = S.Text;
    const t = this.tags;
    const name = t.tagName ?? '';
    t.tagName = undefined;
    if (t.depth === 0) {
      const attrs = t.attrs;
      t.attrs = {};
      t.depth = 1;
      this.sink.header(name, attrs);
      if (selfClosing && !this.halted) {
        t.depth = 0;
        this.sink.streamEnd();
      }
      return;
    }
    if (t.depth === 1) {
      t.topName = Buffer.byteLength(name) <= TOP_NAME_CAP ? name : '';
      t.topAttrs = t.attrs;
      t.attrs = {};
    }
    if (selfClosing) {
      if (t.depth === 1) {
        t.trackNames = true;
        this.sink.stanzaEnd(after);
      }
      return;
    }
    if (t.trackNames) t.names.push(name);
    t.depth++;
  }

  private endTag(after: number): void {
    this.state = S.Text;
    const t = this.tags;
    const name = t.tagName ?? '';
    t.tagName = undefined;
    if (t.depth <= 1) {
      if (t.depth === 0 || name !== 'stream:stream') return this.fail(`unexpected </${name}>`);
      t.depth = 0;
      this.sink.streamEnd();
      return;
    }
    if (t.trackNames) {
      const open = t.names.pop();
      if (open !== name) return this.fail(`</${name}> does not close <${open ?? ''}>`);
    }
    t.depth--;
    if (t.depth === 1) {
      t.trackNames = true;
      this.sink.stanzaEnd(after);
    }
  }

  private fail(message: string): void {
    if (this.halted) return;
    this.halted = true;
    this.sink.error(message);
  }
}
