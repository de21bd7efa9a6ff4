/**
 * The one choke point that keeps every outgoing stanza XML 1.0 (design.md §1.7).
 *
 * XML 1.0 §2.2 `Char ::= #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]`.
 * A character outside it, even escaped as `&#x7;`, makes the whole stream not well-formed, and an
 * XMPP server closes the component's stream for it (RFC 6120 §4.9.3.13): every user of the
 * bridge is cut off. Networks send such characters all the time (IRC BEL, ESC, NUL; email and
 * SMS bodies), so they are removed here, on the serialised stanza, whatever field carries them.
 *
 * What a user sees instead (documented in the README):
 * - C0 controls other than TAB, LF and CR are dropped: they are invisible controls (a beep, an
 *   escape), with nothing to show. Bridges map the ones that mean something first (IRC
 *   formatting codes, `bridges/irc/text.ts`).
 * - U+FFFE, U+FFFF and lone surrogates are replaced by U+FFFD REPLACEMENT CHARACTER: they are
 *   broken data, and the reader should see that something was there.
 *
 * Working on the serialised text is exact: markup (`<`, `&`, quotes, names the gateway chose)
 * never contains these characters, so only text and attribute values are changed.
 */

/** C0 controls but TAB (U+0009), LF (U+000A) and CR (U+000D). */
const C0 = '\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F';
/** Non-characters U+FFFE/U+FFFF, a high surrogate not followed by a low one, a low one not preceded by a high one. */
const BROKEN = '[\\uFFFE\\uFFFF]|[\\uD800-\\uDBFF](?![\\uDC00-\\uDFFF])|(?<![\\uD800-\\uDBFF])[\\uDC00-\\uDFFF]';
const ANY_INVALID = new RegExp(`[${C0}]|${BROKEN}`);
const C0_ALL = new RegExp(`[${C0}]`, 'g');
const BROKEN_ALL = new RegExp(BROKEN, 'g');

/** True when `text` holds a character that XML 1.0 cannot carry. */
export function hasInvalidXmlChars(text: string): boolean {
  return ANY_INVALID.test(text);
}

/**
 * `text` with C0 controls (but TAB/LF/CR) removed and U+FFFE/U+FFFF/lone surrogates replaced by
 * U+FFFD. Returns the same string when there is nothing to change (the common case: one scan).
 */
export function toXmlSafe(text: string): string {
  if (!ANY_INVALID.test(text)) return text;
  return text.replace(C0_ALL, '').replace(BROKEN_ALL, '\uFFFD');
}
