import fc from 'fast-check';
import { Element } from 'ltx';
import { SaxesParser } from 'saxes';
import { describe, expect, it } from 'vitest';
import { hasInvalidXmlChars, toXmlSafe } from '../../src/xmpp/xml-safe.js';

/** Parse with a strict XML 1.0 parser (saxes checks the Char production); returns the text of the root. */
function strictParse(xml: string): { text: string; attrs: Record<string, string> } {
  const parser = new SaxesParser({ xmlns: false });
  let text = '';
  let attrs: Record<string, string> = {};
  let error: Error | undefined;
  parser.on('error', (e) => (error ??= e));
  parser.on('text', (t) => (text += t));
  parser.on('opentag', (tag) => {
    if (Object.keys(attrs).length === 0) attrs = Object.fromEntries(Object.entries(tag.attributes).map(([k, v]) => [k, String(v)]));
  });
  parser.write(xml).close();
  if (error) throw error;
  return { text, attrs };
}

/** Every UTF-16 code unit, so lone surrogates and U+FFFE/U+FFFF come up as often as controls. */
const anyUnits = fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 40 }).map((units) => String.fromCharCode(...units));
const risky = fc.array(fc.constantFrom('\x00', '\x07', '\x1b', '\x0b', '\x0c', '\x1f', '\t', '\n', '\r', '\ufffe', '\uffff', '\ud800', '\udfff', '👋', 'a', '<', '&', '"', "'", ']]>'), { maxLength: 30 }).map((a) => a.join(''));
const text = fc.oneof(anyUnits, risky, fc.string({ unit: 'binary' }));

describe('XML 1.0 choke point', () => {
  it('drops C0 controls but TAB/LF/CR, and replaces U+FFFE/U+FFFF and lone surrogates with U+FFFD', () => {
    expect(toXmlSafe('a\x07b\x1b[1mc\x00d\x0b\x0ce\x1ff')).toBe('ab[1mcdef');
    expect(toXmlSafe('tab\tlf\ncr\r')).toBe('tab\tlf\ncr\r');
    expect(toXmlSafe('x\ufffey\uffffz')).toBe('x\ufffdy\ufffdz');
    expect(toXmlSafe('lone \ud83d high, lone \udc4b low, pair 👋')).toBe('lone \ufffd high, lone \ufffd low, pair 👋');
    expect(toXmlSafe('\ud83d\ud83d\udc4b')).toBe('\ufffd👋');
  });

  it('returns the very same string when nothing needs changing', () => {
    const s = 'plain text, naïve 👋 <b> & "q"';
    expect(toXmlSafe(s)).toBe(s);
    expect(hasInvalidXmlChars(s)).toBe(false);
  });

  it('any text in any text node or attribute serialises to XML a strict parser accepts, keeping every valid character', () => {
    fc.assert(
      fc.property(text, text, (body, attr) => {
        const el = new Element('message', { from: `x${attr}@irc.example`, id: attr });
        el.c('body').t(body);
        const xml = toXmlSafe(el.toString());
        expect(hasInvalidXmlChars(xml)).toBe(false);
        const parsed = strictParse(xml);
        // XML 1.0 §2.11 end-of-line handling, then §3.3.3 attribute-value normalisation.
        const eol = (t: string) => toXmlSafe(t).replace(/\r\n?/g, '\n');
        expect(parsed.text).toBe(eol(body));
        expect(parsed.attrs.id).toBe(eol(attr).replace(/[\t\n]/g, ' '));
      }),
      { numRuns: 2000 },
    );
  });

  it('the strict parser used by the audit does reject what the choke point removes (the test can fail)', () => {
    for (const bad of ['\x07', '\x00', '\x1b', '\ufffe', '\uffff']) {
      expect(() => strictParse(`<body>${bad}</body>`)).toThrow();
      expect(() => strictParse(`<body>&#x${bad.charCodeAt(0).toString(16)};</body>`)).toThrow();
    }
  });
});
