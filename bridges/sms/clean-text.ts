/**
 * What the SMS bridge lets through, each way, decided here once (issue 9).
 *
 * Inbound (Twilio webhook → XMPP), applied to the webhook's parameters before anything reads
 * them (inbound.ts), after the signature check (which covers the bytes Twilio sent):
 *  - C0 controls but TAB and LF are dropped, DEL and the C1 controls U+0080–U+009F too;
 *  - CRLF and a lone CR become LF;
 *  - U+FFFE, U+FFFF and lone surrogates become U+FFFD (invalid UTF-8 in the form body already
 *    decodes to U+FFFD);
 *  - one-line values (sender, media type) fold whitespace to one space.
 * The same rule as the XMPP layer's choke point (src/xmpp/xml-safe.ts), plus the controls XML
 * could carry but a user should not get.
 *
 * Outbound (XMPP → Twilio): TAB becomes a space (GSM 03.38 has no TAB: it would force UCS-2),
 * CRLF and CR become LF, DEL and C1 controls are dropped, U+FFFD is sent as it is (it forces
 * UCS-2, and the segment notice names it).
 */

const DROP = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;
const BROKEN = /[\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** A text body as the XMPP user sees it. */
export function cleanText(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(DROP, '').replace(BROKEN, '\uFFFD');
}

/** A one-line value. */
export function cleanLine(text: string): string {
  return cleanText(text).replace(/\s+/g, ' ').trim();
}

/** A body as it goes to Twilio. */
export function outboundText(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(/\t/g, ' ').replace(/[\u007F-\u009F]/g, '');
}
