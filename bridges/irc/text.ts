/**
 * Message text between XMPP and IRC: splitting bodies into lines that fit RFC 1459's 512-byte
 * limit (§2.3, CR LF and the relayed prefix included), `/me` ⇄ CTCP ACTION, formatting codes.
 */
import { stripIrcFormatting } from './client/input-text.js';
import { ircToStyling, openCodesAtEnd, stylingToIrcLines } from './styling.js';

const encoder = new TextEncoder();

export function byteLength(text: string): number {
  return encoder.encode(text).length;
}

/**
 * Bytes left for the text of `COMMAND target :text` once the server relays it to others as
 * `:nick!user@host COMMAND target :text\r\n` (RFC 1459 §2.3: 512 bytes in all).
 */
export function textBudget(command: string, target: string, source: { nick: string; user?: string; host?: string }): number {
  // Unknown user/host: assume the longest usual ones (10-byte user, 63-byte host).
  const prefix = `:${source.nick}!${source.user ?? 'x'.repeat(10)}@${source.host ?? 'x'.repeat(63)} `;
  return 512 - 2 - byteLength(prefix) - byteLength(`${command} ${target} :`);
}

/** Split one line into chunks of at most `maxBytes` UTF-8 bytes, never inside a code point, preferably after a space. */
export function splitUtf8(line: string, maxBytes: number): string[] {
  if (maxBytes < 4) throw new Error('splitUtf8: budget too small');
  const chunks: string[] = [];
  let rest = line;
  while (byteLength(rest) > maxBytes) {
    let bytes = 0;
    let cut = 0;
    let lastSpace = -1;
    for (const ch of rest) {
      const n = byteLength(ch);
      if (bytes + n > maxBytes) break;
      bytes += n;
      cut += ch.length;
      if (ch === ' ') lastSpace = cut;
    }
    // Keep words whole when a space sits in the second half of the chunk.
    if (lastSpace > cut / 2) cut = lastSpace;
    chunks.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  if (rest.length > 0) chunks.push(rest);
  return chunks;
}

export interface IrcText {
  /** CTCP ACTION (`/me`). */
  action: boolean;
  text: string;
  /** A later chunk of one long line (IRCv3 draft/multiline-concat: joined without a line break). */
  concat?: true;
}

/**
 * What XML can carry but an IRC line should not: TAB becomes a space (as from IRC, input-text.ts,
 * so an IRCv3 echo reads back the same text), other control characters (C0 but CR/LF, DEL, C1)
 * are dropped; CR and LF are line breaks, handled by the caller.
 */
export function textToIrc(text: string): string {
  return text.replace(/\t/g, ' ').replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]/g, '');
}

/**
 * An XMPP body as IRC texts: one per line (CR, LF, NUL never reach the wire), empty lines
 * dropped (IRC cannot send them), `/me ` on the first line as CTCP ACTION (XEP-0245), XEP-0393
 * styling as IRC formatting (styling.ts). `budget(action)` gives the bytes available for one text.
 */
export function bodyToIrc(body: string, budget: (action: boolean) => number): IrcText[] {
  const out: IrcText[] = [];
  const lines = stylingToIrcLines(textToIrc(body).split(/\r\n|\r|\n/));
  lines.forEach((line, i) => {
    if (line === '') return;
    const action = i === 0 && line.startsWith('/me ');
    const text = action ? line.slice(4) : line;
    if (stripFormatting(text) === '') return;
    // CTCP framing: \x01ACTION text\x01 costs 9 bytes. IRC formatting ends with each message: a
    // line cut in several opens the next chunk with the codes still on (up to 4 bytes, kept free).
    const room = budget(action) - (action ? 9 : 0);
    const carries = text !== stripFormatting(text) && room >= 8;
    let carry = '';
    let first = true;
    for (const chunk of splitUtf8(text, room - (carries ? 4 : 0))) {
      const t = carry + chunk;
      if (carries) carry = openCodesAtEnd(t);
      // A chunk of nothing but codes shows nothing; its effect is in `carry`.
      if (stripFormatting(t) === '') continue;
      out.push(first ? { action, text: t } : { action, text: t, concat: true });
      first = false;
    }
  });
  return out;
}

/** The wire text of one IrcText. */
export function ircWireText(t: IrcText): string {
  return t.action ? `\x01ACTION ${t.text}\x01` : t.text;
}

export type CtcpOrText = { kind: 'text'; body: string } | { kind: 'ctcp'; command: string; args: string };

/**
 * A PRIVMSG/NOTICE text as XMPP sees it: `ACTION` → `/me …`, other CTCPs apart, formatting as
 * XEP-0393 styling where it can say it, else removed (styling.ts).
 * A \x01 that is not CTCP framing (https://modern.ircdocs.horse/ctcp) means nothing: it is dropped.
 */
export function ircToBody(text: string): CtcpOrText {
  const noDelim = (s: string) => s.replace(/\x01/g, '');
  if (text.startsWith('\x01')) {
    const inner = text.slice(1).replace(/\x01$/, '');
    const sp = inner.indexOf(' ');
    const command = stripFormatting(noDelim(sp === -1 ? inner : inner.slice(0, sp))).toUpperCase();
    const args = noDelim(sp === -1 ? '' : inner.slice(sp + 1));
    if (command === 'ACTION') return { kind: 'text', body: `/me ${ircToStyling(args)}` };
    return { kind: 'ctcp', command, args: stripFormatting(args) };
  }
  return { kind: 'text', body: ircToStyling(noDelim(text)) };
}

/** Remove mIRC formatting codes: bold, colour (with its digits), reset, reverse, italic, underline, strike, monospace. */
export function stripFormatting(text: string): string {
  return stripIrcFormatting(text);
}

/** IRC topics are one line (biboumi multiline_topic): newlines become spaces. */
export function topicToIrc(subject: string): string {
  return textToIrc(subject).replace(/\r\n|\r|\n/g, ' ');
}
