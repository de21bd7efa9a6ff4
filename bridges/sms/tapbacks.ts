/**
 * Reactions as phones send them over SMS, and as this bridge sends them back.
 *
 * An iPhone that reacts (a "tapback") to a text from a non-iMessage phone sends a text instead:
 * `Liked “…”`, `Loved “…”`, `Disliked “…”`, `Laughed at “…”`, `Emphasized “…”`, `Questioned “…”`,
 * and since iOS 18 / Google Messages `Reacted 😀 to “…”`; taking one back sends `Removed a heart
 * from “…”` (a like, a dislike, a laugh, an exclamation, a question mark, or the emoji). The quote
 * is the text reacted to, cut with "…" when long. English phrases only: no source we could verify
 * gives the other languages' exact wording, and a wrong guess would eat real texts.
 */

export interface Tapback {
  action: 'add' | 'remove';
  emoji: string;
  /** The quoted text as sent (maybe cut with a trailing "…"). */
  quoted: string;
}

/** The classic six (iOS), with the emoji each stands for. */
const ADDED: Record<string, string> = {
  Liked: '👍',
  Loved: '❤️',
  Disliked: '👎',
  'Laughed at': '😂',
  Emphasized: '‼️',
  Questioned: '❓',
};

const REMOVED: Record<string, string> = {
  'a like': '👍',
  'a heart': '❤️',
  'a dislike': '👎',
  'a laugh': '😂',
  'an exclamation': '‼️',
  'a question mark': '❓',
};

/** Opening and closing quotes: iOS uses “…”; some phones and keyboards straight quotes. */
const Q = '[“"]([\\s\\S]*)[”"]';
const CLASSIC = new RegExp(`^(${Object.keys(ADDED).join('|')}) ${Q}$`);
const REACTED = new RegExp(`^Reacted (\\S{1,32}) to ${Q}$`, 'u');
const REMOVED_RE = new RegExp(`^Removed (${Object.keys(REMOVED).join('|')}|\\S{1,32}) from ${Q}$`, 'u');

/** The tapback a text announces, or undefined when it is an ordinary text. */
export function parseTapback(body: string): Tapback | undefined {
  const text = body.trim();
  let m = CLASSIC.exec(text);
  if (m) return { action: 'add', emoji: ADDED[m[1]!]!, quoted: m[2]! };
  m = REACTED.exec(text);
  if (m && isEmojiLike(m[1]!)) return { action: 'add', emoji: m[1]!, quoted: m[2]! };
  m = REMOVED_RE.exec(text);
  if (m) {
    const emoji = REMOVED[m[1]!] ?? m[1]!;
    if (REMOVED[m[1]!] !== undefined || isEmojiLike(emoji)) return { action: 'remove', emoji, quoted: m[2]! };
  }
  return undefined;
}

/** "Reacted hello to …" is a sentence, not a reaction: the reaction must be pictographic. */
function isEmojiLike(s: string): boolean {
  return /\p{Extended_Pictographic}|\p{Regional_Indicator}/u.test(s) && !/[\p{L}\p{N}]/u.test(s.replace(/[#*0-9]\uFE0F?\u20E3/gu, ''));
}

/**
 * Whether a quote (as the phone cut it) stands for `text`: equal once trimmed, or, for a quote
 * ending in "…" (or "..."), a prefix of it.
 */
export function quoteMatches(quoted: string, text: string): boolean {
  const q = quoted.trim();
  const t = text.trim();
  if (q === t) return true;
  const cut = /(…|\.\.\.)$/.exec(q);
  if (!cut) return false;
  const stem = q.slice(0, q.length - cut[0].length).trimEnd();
  return stem.length > 0 && t.startsWith(stem);
}

const QUOTE_WORDS = 6;
const QUOTE_POINTS = 40;

/** The first words of a text for a reaction sent as a text: `👍 to "first words…"`. */
export function firstWords(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  const words = oneLine.split(' ').slice(0, QUOTE_WORDS).join(' ');
  const points = Array.from(words);
  const short = points.length > QUOTE_POINTS ? points.slice(0, QUOTE_POINTS).join('').trimEnd() : words;
  return short.length < oneLine.length ? `${short}…` : short;
}

/** A reaction as the text this bridge sends when `reactions: text`. */
export function reactionText(added: string[], target: string | undefined): string {
  const emojis = added.join('');
  return target === undefined ? emojis : `${emojis} to "${firstWords(target)}"`;
}
