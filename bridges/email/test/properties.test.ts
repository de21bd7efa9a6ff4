// Property-based tests (fast-check) of the email bridge's pure parts: the inbound cleaning, the
// outbound header cleaning, reply stripping and the bare-line-end scanner. Random input never
// throws and never yields a character XML 1.0 cannot carry.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hasInvalidXmlChars } from '../../../src/xmpp/xml-safe.js';
import { cleanFileName, cleanLine, cleanText, cutChars, outboundLine, outboundText } from '../clean-text.js';
import { BareDataEndScanner } from '../line-ends.js';
import { stripReply } from '../reply-strip.js';

/** Every UTF-16 code unit: controls, lone surrogates and U+FFFE/U+FFFF come up often. */
const units = fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 60 }).map((u) => String.fromCharCode(...u));
const pieces = fc
  .array(fc.constantFrom('\x00', '\x07', '\x1b[31m', '\x7f', '\x85', '\x9f', '\t', '\n', '\r', '\r\n', '\ufffe', '\uffff', '\ud800', '\udfff', '\u202e', '/', '..', '> ', 'On Mon, Bob wrote:', '-- ', 'Sent from my iPhone', 'a', '👋', ' '), { maxLength: 40 })
  .map((a) => a.join(''));
const text = fc.oneof(units, pieces, fc.string({ unit: 'binary' }));
const controls = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/;

describe('email text cleaning (properties)', () => {
  it('inbound: never throws, never leaves XML-invalid characters or controls but TAB/LF, and is idempotent', () => {
    fc.assert(
      fc.property(text, (s) => {
        for (const clean of [cleanText, cleanLine, cleanFileName]) {
          const out = clean(s);
          expect(hasInvalidXmlChars(out)).toBe(false);
          expect(controls.test(out)).toBe(false);
          expect(clean(out)).toBe(out);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('inbound: the one-scan shortcut of cleanText returns what the four replaces would', () => {
    // The replaces of clean-text.ts, always run: text with nothing to clean must come back unchanged.
    const reference = (t: string): string =>
      t
        .replace(/\r\n?/g, '\n')
        .replace(/\u001B\[[0-?]*[ -/]*[@-~]/g, '')
        .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g, '')
        .replace(/[\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
    fc.assert(
      fc.property(fc.oneof(text, fc.string()), (s) => {
        expect(cleanText(s)).toBe(reference(s));
      }),
      { numRuns: 2000 },
    );
  });

  it('one-line fields hold no line break; file names hold no path separator, bidi control or leading dot', () => {
    fc.assert(
      fc.property(text, (s) => {
        expect(cleanLine(s)).not.toMatch(/[\r\n\t\u2028\u2029]/);
        const name = cleanFileName(s);
        expect(name).not.toMatch(/[/\\\u202a-\u202e\u2066-\u2069]|^\./);
        expect(name.length).toBeGreaterThan(0);
        expect([...name].length).toBeLessThanOrEqual(120);
      }),
      { numRuns: 1000 },
    );
  });

  it('outbound header values are one line and a cut subject keeps its surrogate pairs', () => {
    fc.assert(
      fc.property(text, fc.integer({ min: 20, max: 300 }), (s, max) => {
        const line = outboundLine(s);
        expect(line).not.toMatch(/[\r\n]/);
        const cut = cutChars(line, max);
        expect([...cut].length).toBeLessThanOrEqual(max);
        if (!hasInvalidXmlChars(line)) expect(hasInvalidXmlChars(cut)).toBe(false);
        expect(outboundText(s)).not.toMatch(/[\r\u007f-\u009f]/);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('reply stripping (properties)', () => {
  it('never throws, never adds a character, and never loses everything the sender wrote', () => {
    fc.assert(
      fc.property(fc.oneof(pieces, fc.string()), (s) => {
        const out = stripReply(s);
        if (s.trim() !== '') expect(out.trim()).not.toBe('');
        if (!hasInvalidXmlChars(s)) expect(hasInvalidXmlChars(out)).toBe(false);
        expect(out.length).toBeLessThanOrEqual(s.length);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('bare line-end scanner (properties)', () => {
  const bytes = fc.array(fc.constantFrom('a', '.', '..', '\r', '\n', '\r\n', 'x.y'), { maxLength: 30 }).map((a) => a.join(''));

  it('finds the same answer however the data is split into chunks', () => {
    fc.assert(
      fc.property(bytes, fc.array(fc.integer({ min: 1, max: 5 }), { maxLength: 10 }), (data, cuts) => {
        const whole = new BareDataEndScanner().feed(Buffer.from(data));
        const scanner = new BareDataEndScanner();
        let found;
        let at = 0;
        for (const n of [...cuts, data.length]) {
          found ??= scanner.feed(Buffer.from(data.slice(at, at + n)));
          at += n;
          if (at >= data.length) break;
        }
        expect(found).toBe(whole);
      }),
      { numRuns: 5000 },
    );
  });

  it('never flags data whose only "." lines are between CRLFs (stuffed content, RFC 5321 §4.5.2)', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('text', '.', '..x', ''), { maxLength: 20 }), (lines) => {
        expect(new BareDataEndScanner().feed(Buffer.from(`Subject: s\r\n\r\n${lines.join('\r\n')}\r\n`))).toBeUndefined();
      }),
      { numRuns: 1000 },
    );
  });

  it('flags a "." line ended by a bare LF after any content', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (content) => {
        expect(new BareDataEndScanner().feed(Buffer.from(`${content.replace(/[\r\n.]/g, '')}\n.\n`))).toBe('LF');
      }),
      { numRuns: 1000 },
    );
  });
});
