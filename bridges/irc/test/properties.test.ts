// Property-based tests (fast-check) of the IRC bridge's pure text parts: line parse/serialise,
// the input boundary, splitting to 512 bytes and the XMPP ⇄ IRC text conversions. Random input
// never throws past the documented errors, never yields an IRC line with CR/LF/NUL, never splits
// inside a code point, never goes over budget, and never yields text XML 1.0 cannot carry.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hasInvalidXmlChars } from '../../../src/xmpp/xml-safe.js';
import { cleanIncomingLine, cleanIrcText } from '../client/input-text.js';
import { parseLine, serializeLine, stripLineBreaks } from '../client/line.js';
import { bodyToIrc, byteLength, ircToBody, ircWireText, splitUtf8, topicToIrc } from '../text.js';

/** Every UTF-16 code unit (lone surrogates, U+FFFE/U+FFFF, controls) as often as letters. */
const units = fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 60 }).map((u) => String.fromCharCode(...u));
const risky = fc
  .array(fc.constantFrom('\x00', '\x01', '\x02', '\x03', '\x0312,4', '\x07', '\x1b', '\t', '\r', '\n', '\r\n', ' ', ':', '@', '!', ';', '\\', '\x7f', '\x85', '\ufffe', '\uffff', '\ufffd', '\ud800', 'é', '👋', 'a', '#c'), { maxLength: 40 })
  .map((a) => a.join(''));
const text = fc.oneof(units, risky, fc.string({ unit: 'binary', maxLength: 80 }));
/** Well-formed Unicode (no lone surrogates): what an XML parser hands the bridge. */
/** XEP-0393 directives among words, spaces and line breaks (styling.ts). */
const styled = fc.array(fc.constantFrom('*', '_', '~', '`', '```', ' ', '\n', 'word', 'é', '👋', '/me '), { maxLength: 120 }).map((a) => a.join(''));
const wellFormed = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({ unit: 'grapheme', maxLength: 200 }),
  risky.map((s) => s.replace(/[\ud800-\udfff]/g, '')),
  styled,
);

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe('IRC line parse and serialise (properties)', () => {
  it('parseLine never throws on any text', () => {
    fc.assert(fc.property(text, (raw) => void parseLine(raw)));
  });

  it('serializeLine gives a line without CR/LF/NUL that parses back to the same command, params and tags — or refuses an unsafe middle parameter', () => {
    const tagKey = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/);
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z]{1,10}$/), fc.array(text, { maxLength: 5 }), fc.dictionary(tagKey, text, { maxKeys: 3 }), (command, params, tags) => {
        let line: string;
        try {
          line = serializeLine(command, params, tags);
        } catch (err) {
          expect((err as Error).message).toMatch(/^unsafe IRC parameter/);
          return;
        }
        expect(line).not.toMatch(/[\r\n\0]/);
        const parsed = parseLine(line)!;
        expect(parsed.command).toBe(command.toUpperCase());
        expect(parsed.params).toEqual(params.map(stripLineBreaks));
        expect(parsed.tags).toEqual(Object.fromEntries(Object.entries(tags).map(([k, v]) => [k, v.replace(/\0/g, '')])));
      }),
    );
  });
});

/** IRC-shaped lines with random fields, so most parse (a random string mostly has no command). */
const ircLine = fc
  .tuple(fc.option(text), fc.option(text), fc.constantFrom('PRIVMSG', 'NOTICE', 'JOIN', 'NICK', 'KICK', 'TOPIC', '353', '001', 'QUIT'), fc.array(text, { maxLength: 4 }), text)
  .map(([tags, prefix, command, middles, trailing]) => `${tags === null ? '' : `@k=${tags.replace(/ /g, '')} `}${prefix === null ? '' : `:${prefix.replace(/ /g, '')} `}${command} ${middles.map((m) => m.replace(/ /g, '') || 'x').join(' ')} :${trailing}`);

describe('IRC input boundary (properties)', () => {
  it('any line, once cleaned, has no control character but the CTCP delimiter and formatting codes in PRIVMSG/NOTICE text, and nothing XML cannot carry', () => {
    fc.assert(
      fc.property(fc.oneof(text, ircLine), (raw) => {
        const parsed = parseLine(raw);
        if (!parsed) return;
        const line = cleanIncomingLine(parsed);
        if ('refused' in line) return;
        const fields = [line.prefix, line.command, ...Object.keys(line.tags), ...Object.values(line.tags), ...line.params];
        // The text of PRIVMSG/NOTICE keeps \x01 and the formatting codes for text.ts (ircToBody, below).
        const TEXT_CODES = /[\x01\x02\x03\x04\x0f\x11\x16\x1d\x1e\x1f]/g;
        for (const f of fields) expect(hasInvalidXmlChars(f.replace(TEXT_CODES, ''))).toBe(false);
        for (const [i, p] of line.params.entries()) {
          const ctcp = (line.command === 'PRIVMSG' || line.command === 'NOTICE') && i === 1;
          expect(ctcp ? p.replace(TEXT_CODES, '') : p).not.toMatch(/[\x00-\x1f\x7f-\x9f]/);
        }
      }),
    );
  });

  it('IRC → XMPP text (boundary then ircToBody) never throws and is always valid XML text without CR/LF/NUL', () => {
    fc.assert(
      fc.property(text, (raw) => {
        const out = ircToBody(cleanIrcText(raw, true));
        const shown = out.kind === 'text' ? out.body : `${out.command} ${out.args}`;
        expect(shown).not.toMatch(/[\r\n\0]/);
        expect(hasInvalidXmlChars(shown)).toBe(false);
      }),
    );
  });
});

describe('split to 512 bytes (properties)', () => {
  it('splitUtf8 keeps every character, in order, within the budget, never inside a code point', () => {
    fc.assert(
      fc.property(wellFormed, fc.integer({ min: 4, max: 600 }), (line, budget) => {
        const chunks = splitUtf8(line, budget);
        expect(chunks.join('')).toBe(line);
        for (const c of chunks) {
          expect(byteLength(c)).toBeLessThanOrEqual(budget);
          expect(c.length).toBeGreaterThan(0);
          expect(LONE_SURROGATE.test(c)).toBe(false);
        }
      }),
    );
  });

  it('bodyToIrc gives texts without CR/LF/NUL or controls but its formatting codes, each within its budget on the wire', () => {
    fc.assert(
      fc.property(wellFormed, fc.integer({ min: 13, max: 500 }), (body, budget) => {
        for (const t of bodyToIrc(body, () => budget)) {
          const wire = ircWireText(t);
          expect(byteLength(wire)).toBeLessThanOrEqual(budget);
          expect(t.text.replace(/[\x02\x11\x1d\x1e]/g, '')).not.toMatch(/[\x00-\x1f\x7f-\x9f]/);
          expect(t.text.replace(/[\x02\x11\x1d\x1e]/g, '').length).toBeGreaterThan(0);
          expect(LONE_SURROGATE.test(t.text)).toBe(false);
          // And it serialises as one safe PRIVMSG line.
          expect(serializeLine('PRIVMSG', ['#c', wire])).not.toMatch(/[\r\n\0]/);
        }
      }),
    );
  });

  it('topicToIrc is one line without controls', () => {
    fc.assert(
      fc.property(wellFormed, (subject) => {
        expect(topicToIrc(subject)).not.toMatch(/[\x00-\x1f\x7f-\x9f]/);
      }),
    );
  });
});
