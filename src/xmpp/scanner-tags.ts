/**
 * What the stream scanner (stream-scanner.ts) keeps of names and attributes: the name being read,
 * the open-element stack that checks nesting, and the attributes of the stream header and of
 * top-level elements (RFC 6120 §8.1: enough to answer a stanza's sender). Everything is bounded.
 *
 * Only what is kept is decoded: an attribute name or value inside a stanza (depth 2 and more) is
 * skipped by the scanner without being collected, since the stanza's Element is built by ltx
 * from its bytes anyway (stream-parser.ts). Decoding every name and value cost an allocation or
 * two each on every stanza (bench/irc.ts --cpu-prof: the scanner's copies and the garbage
 * collector's share of them were most of what it added per message).
 */
import { Collector } from './bounded-collector.js';

const LT = 0x3c;
const GT = 0x3e;
const SLASH = 0x2f;

export const isSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
/** Bytes that end a name; any other byte of these in a name is an error. */
export const endsName = (c: number): boolean => c <= 0x20 || c === SLASH || c === GT;
/** `<` `=` `"` `'` `!` `?` `&`: never in a name. */
export const badInName = (c: number): boolean => c === LT || c === 0x3d || c === 0x22 || c === 0x27 || c === 0x21 || c === 0x3f || c === 0x26;

/** Longest attribute name and value kept for the stream header and top-level elements. */
const ATTR_NAME_CAP = 64;
/** RFC 7622 §3.1: a JID is at most 3071 bytes; ids and types are far shorter in practice. */
const ATTR_VALUE_CAP = 3071;
/** Longest top-level element name remembered for the report of a skipped stanza. */
export const TOP_NAME_CAP = 64;
/** Top-level attributes kept (RFC 6120 §8.1): enough to answer the sender. */
const TOP_ATTRS = new Set(['from', 'to', 'id', 'type', 'xmlns']);

export class ScannerTags {
  /** 0 before the header, 1 inside the stream, 2+ inside a top-level element. */
  depth = 0;
  /** Name of the current top-level element ('' when longer than TOP_NAME_CAP). */
  topName = '';
  /** Its from/to/id/type/xmlns, raw, as far as they were within the caps. */
  topAttrs: Record<string, string> = {};
  /** Keep element names to check nesting; off while a stanza is being skipped (no memory). */
  trackNames = true;
  /** The open elements inside the current stanza (while names are tracked). */
  readonly names: string[] = [];
  /** The name of the tag being read (start or end tag), once read. */
  tagName: string | undefined;
  /** Attributes of the header or top-level element being read. */
  attrs: Record<string, string> = {};
  private readonly name = new Collector();
  private readonly value = new Collector();
  private attrName: string | undefined;

  constructor(private readonly nameCap: number) {}

  /** Bytes held across reads (names, attribute values, the open-element stack). */
  get held(): number {
    return this.name.held + this.value.held + this.names.reduce((n, s) => n + s.length, 0) + Object.values(this.attrs).reduce((n, v) => n + v.length, 0);
  }

  /** Stop keeping names: the current stanza is skipped; nesting is then checked by depth only. */
  forgetNames(): void {
    this.trackNames = false;
    this.names.length = 0;
  }

  /** An element name starts at `at`. */
  beginName(at: number): void {
    this.name.begin(at);
  }

  /** The element name ended just before `end`. */
  finishName(chunk: Buffer, end: number): string {
    return this.name.finish(chunk, end, this.nameCapHere()) ?? '';
  }

  /** An attribute name starts at `at`: collected only where attributes are kept (header, top level). */
  beginAttrName(at: number): void {
    if (this.depth <= 1) this.name.begin(at);
  }

  finishAttrName(chunk: Buffer, end: number): void {
    this.attrName = this.name.active ? this.name.finish(chunk, end, ATTR_NAME_CAP) : undefined;
  }

  /** The attribute's value starts at `at` (after its quote): collected if the attribute is kept. */
  beginValue(at: number): void {
    if (this.attrName === undefined) return;
    if (this.depth === 0 || (this.depth === 1 && TOP_ATTRS.has(this.attrName))) this.value.begin(at);
  }

  /** The value ended at its closing quote at `end`. */
  finishValue(chunk: Buffer, end: number): void {
    if (this.value.active) {
      const v = this.value.finish(chunk, end, ATTR_VALUE_CAP);
      if (v !== undefined && this.attrName !== undefined) this.attrs[this.attrName] = v;
    }
    this.attrName = undefined;
  }

  /** A read ends inside a name or value: keep what was read of it (bounded). */
  carryName(chunk: Buffer, len: number, attr: boolean): void {
    this.name.take(chunk, len, attr ? ATTR_NAME_CAP : this.nameCapHere());
  }

  carryValue(chunk: Buffer, len: number): void {
    this.value.take(chunk, len, ATTR_VALUE_CAP);
  }

  /** Names inside a stanza being kept are bounded by the stanza limit; others need only a few bytes. */
  private nameCapHere(): number {
    return this.depth >= 1 && this.trackNames ? this.nameCap : TOP_NAME_CAP;
  }
}
