/**
 * The bridge's input boundary: every IRC line the server sends is cleaned here, once, before any
 * handler sees it, so that every field (nicks, channels, topics, reasons, realnames, away
 * messages, MOTD and notices, numerics' texts, tags) has the same defined text:
 *
 * - mIRC formatting codes (bold \x02, colour \x03 with its digits, hex colour \x04, reset \x0f,
 *   monospace \x11, reverse \x16, italic \x1d, strike \x1e, underline \x1f) are removed, except in
 *   the text of a PRIVMSG or NOTICE, where text.ts turns them into XEP-0393 styling (styling.ts);
 * - TAB becomes a space (it is not allowed in a JID, RFC 7622 §3.2/§3.4 via PRECIS);
 * - every other control character (C0, DEL, C1: BEL, ESC, VT, FF, NUL, …) is dropped, except the
 *   CTCP delimiter \x01 in the text of a PRIVMSG or NOTICE (text.ts `ircToBody` needs it);
 * - U+FFFE, U+FFFF and lone surrogates become U+FFFD (bytes that are not UTF-8 were decoded
 *   before, as latin-1 or U+FFFD, connection.ts).
 *
 * An identifier that had text and has none left (the prefix's nick, a middle parameter, the nick
 * of NICK) cannot address anyone, and a command or numeric without the parameters its handler
 * reads (RFC 2812 §3 and §5) means nothing: such lines are refused, and the caller logs it.
 * src/xmpp/xml-safe.ts remains the safety net behind this.
 */
import { parseSource, type IrcLine } from './line.js';

const FORMATTING = /\x03(\d{1,2}(,\d{1,2})?)?|\x04([0-9a-fA-F]{6}(,[0-9a-fA-F]{6})?)?|[\x02\x0f\x11\x16\x1d\x1e\x1f]/g;
const CONTROLS = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/g;
// The text of PRIVMSG/NOTICE: CTCP's \x01 and the formatting codes (\x02 \x03 \x04 \x0f \x11 \x16 \x1d-\x1f) stay.
const CONTROLS_BUT_TEXT = /[\x00\x05-\x08\x0a-\x0e\x10\x12-\x15\x17-\x1c\x7f-\x9f]/g;
const BROKEN = /[\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const ANY = /[\x00-\x1f\x7f-\x9f\uFFFE\uFFFF\uD800-\uDFFF]/;

/** Remove mIRC formatting codes: bold, colour (with its digits), hex colour, reset, reverse, italic, underline, strike, monospace. */
export function stripIrcFormatting(text: string): string {
  return text.replace(FORMATTING, '');
}

/** One field as the bridge shows it; `ctcp` (the text of PRIVMSG/NOTICE) keeps \x01 and the formatting codes. */
export function cleanIrcText(text: string, ctcp = false): string {
  if (!ANY.test(text)) return text;
  return (ctcp ? text : text.replace(FORMATTING, ''))
    .replace(/\t/g, ' ')
    .replace(ctcp ? CONTROLS_BUT_TEXT : CONTROLS, '')
    .replace(BROKEN, '\uFFFD');
}

/** Parameters each handled command needs (RFC 2812 §3, §5; IRCv3 for CAP, BATCH, CHGHOST, TAGMSG, REDACT, FAIL/WARN/NOTE). */
const MIN_PARAMS: Record<string, number> = {
  PRIVMSG: 2, NOTICE: 2, JOIN: 1, PART: 1, KICK: 2, NICK: 1, MODE: 2, TOPIC: 2, INVITE: 2,
  CAP: 2, BATCH: 1, CHGHOST: 2, AUTHENTICATE: 1, TAGMSG: 1, REDACT: 2, FAIL: 3, WARN: 3, NOTE: 3,
  '001': 1, '005': 2, '301': 2, '322': 2, '332': 3, '333': 3, '341': 3, '352': 7, '353': 4, '366': 2,
};

export type Refusal = { refused: 'controls' | 'missing-params' };

function emptied(before: string, after: string): boolean {
  return before !== '' && after === '';
}

/** The line with every field cleaned, or why it is refused. */
export function cleanIncomingLine(line: IrcLine): IrcLine | Refusal {
  const controls: Refusal = { refused: 'controls' };
  const command = cleanIrcText(line.command);
  if (!/^[A-Z]+$|^\d{3}$/.test(command)) return controls;
  // A numeric's first parameter is always the client's nick (RFC 2812 §2.4).
  if (line.params.length < (MIN_PARAMS[command] ?? (/^\d/.test(command) ? 1 : 0))) return { refused: 'missing-params' };
  const prefix = cleanIrcText(line.prefix);
  if (emptied(parseSource(line.prefix).nick, parseSource(prefix).nick)) return controls;
  const text = command === 'PRIVMSG' || command === 'NOTICE';
  const last = line.params.length - 1;
  const params: string[] = [];
  for (const [i, raw] of line.params.entries()) {
    const clean = cleanIrcText(raw, text && i === 1);
    // Middle parameters are targets and nicks; NICK's only parameter is the new nick.
    if ((i < last || command === 'NICK') && emptied(raw, clean)) return controls;
    params.push(clean);
  }
  // No prototype: a `__proto__` tag is a key like any other, not a prototype to set.
  const tags = Object.create(null) as Record<string, string>;
  for (const [key, value] of Object.entries(line.tags)) {
    const k = cleanIrcText(key);
    if (k) tags[k] = cleanIrcText(value);
  }
  return { tags, prefix, command, params };
}
