/**
 * What the email bridge lets through, each way, decided here once (issue 9).
 *
 * Inbound (mail → XMPP), applied to every field of a parsed mail before anything else reads it:
 *  - terminal escape sequences (ESC [ … m) are dropped whole, the other C0 controls but TAB
 *    and LF one by one (NUL, BEL, ESC, VT, FF…: nothing to show), DEL and
 *    the C1 controls U+0080–U+009F too (invisible; XML 1.0 §2.2 only discourages them);
 *  - CRLF and a lone CR become LF;
 *  - U+FFFE, U+FFFF and lone surrogates become U+FFFD, as undecodable bytes (invalid UTF-8, an
 *    unknown charset) already are: the reader sees that something was there;
 *  - one-line fields (subject, display name) fold any run of whitespace into one space;
 *  - attachment names also lose path separators, quotes, bidi controls (U+202A–U+202E,
 *    U+2066–U+2069: "cod.exe" must not pass for "exe.doc") and leading dots.
 * This is the same rule as the XMPP layer's choke point (src/xmpp/xml-safe.ts) plus the
 * controls XML could carry but a user should not get.
 *
 * Outbound (XMPP → mail): TAB stays, DEL and C1 controls are dropped, U+FFFD stays; a subject
 * or display name is one line (CR, LF, TAB and Unicode line separators become a space), so no
 * header can be injected; a subject is cut at `max_subject_chars`, and nodemailer encodes and
 * folds headers (RFC 2047, RFC 5322 §2.2.3) and sends the body quoted-printable, so no line
 * exceeds 998 octets (RFC 5322 §2.1.1).
 */

/** ANSI/ECMA-48 CSI sequences (ESC [ … final byte): terminal colours would leave "[31m" behind. */
const CSI = /\u001B\[[0-?]*[ -/]*[@-~]/g;
const DROP = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;
const BROKEN = /[\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
/** Any character one of the replaces above could change (CR, C0 but TAB/LF, DEL, C1, U+FFFE/F, surrogates). */
const SUSPECT = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\uD800-\uDFFF\uFFFE\uFFFF]/;
const BIDI = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/g;

/** A multi-line text (a body) as the XMPP user sees it. */
export function cleanText(text: string): string {
  // Most text has nothing to clean: one scan instead of four replaces (each copies the string).
  if (!SUSPECT.test(text)) return text;
  return text.replace(/\r\n?/g, '\n').replace(CSI, '').replace(DROP, '').replace(BROKEN, '\uFFFD');
}

/** A one-line field (subject, display name). */
export function cleanLine(text: string): string {
  return cleanText(text).replace(/[\s\u2028\u2029]+/g, ' ').trim();
}

/** An attachment name: one line, no path, no bidi tricks, at most 120 characters. */
export function cleanFileName(name: string | undefined): string {
  const cleaned = cleanLine((name ?? '').replace(BIDI, ''))
    .replace(/[/\\"]/g, '_')
    .replace(/^[.\s]+/, '');
  const short = [...cleaned].slice(0, 120).join('').trim();
  return short === '' ? 'attachment' : short;
}

/** An outbound body: TAB and line ends stay; DEL and C1 controls go. */
export function outboundText(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(/[\u007F-\u009F]/g, '');
}

/** An outbound header value: one line, so CR/LF can never start another header. */
export function outboundLine(text: string): string {
  return text.replace(/[\u007F-\u009F]/g, '').replace(/[\r\n\t\u2028\u2029\u0000]+/g, ' ').replace(/ {2,}/g, ' ').trim();
}

/** At most `max` characters (never half a surrogate pair), "…" marking a cut. */
export function cutChars(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}
