/**
 * Removes what a reply repeats from the mail it answers, keeping only the new text:
 * the trailing quote block (RFC 3676 §4.5 `>` lines) with its attribution line ("On … wrote:"),
 * Outlook's original-message blocks ("-----Original Message-----", an underscore rule, a
 * From:/Sent:/To:/Subject: header block), the signature after the `-- ` line (RFC 3676 §4.3)
 * and "Sent from my iPhone"-style footers. Quotes followed by new text (inline replies) stay.
 * When nothing would remain, the text is returned unchanged: never lose what the sender wrote.
 */

// Attribution lines in the languages mail clients ship most ("On <date>, <name> wrote:").
const ATTRIBUTION =
  /^(on|am|le|el|il|op|den|em|w dniu|dne)\b.{0,300}\b(wrote|schrieb|a écrit|escribió|ha scritto|schreef|skrev|escreveu|napisał|napsal)(\s.{0,120})?\s*:?\s*$/i;
const ORIGINAL_MESSAGE = /^\s*-{2,}\s*(original message|ursprüngliche nachricht|message d'origine|mensaje original)\s*-{2,}\s*$/i;
const UNDERSCORE_RULE = /^\s*_{20,}\s*$/;
const HEADER_FROM = /^\s*\*?(from|von|de|da|van)\s*:\*?\s+\S/i;
const HEADER_NEXT = /^\s*\*?(sent|date|gesendet|datum|envoyé|enviado|inviato|verzonden|to|an|à|para|a|aan|subject|betreff|objet|asunto|oggetto|onderwerp)\s*:/i;
const SIGNATURE = /^-- ?$/;
const FOOTER = /^\s*(sent from my \S.*|sent from (mail|outlook) for .*|get outlook for (ios|android).*|envoyé de mon \S.*|von meinem \S.* gesendet)\s*$/i;

const isQuoted = (line: string): boolean => /^\s*>/.test(line);
const isBlank = (line: string): boolean => line.trim() === '';

/** Index of the first line of an Outlook-style original message block, or -1. */
function originalBlockStart(lines: string[]): number {
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (ORIGINAL_MESSAGE.test(line)) return i;
    if (UNDERSCORE_RULE.test(line) && lines.slice(i + 1, i + 4).some((l) => HEADER_FROM.test(l))) return i;
    if (HEADER_FROM.test(line) && !isQuoted(line)) {
      const next = lines.slice(i + 1, i + 6).filter((l) => HEADER_NEXT.test(l)).length;
      if (next >= 2) return i;
    }
  }
  return -1;
}

/** An attribution that ends at `end` (possibly wrapped over two lines, as Gmail does). */
function attributionStart(lines: string[], end: number): number {
  const last = lines[end];
  if (last === undefined) return -1;
  if (ATTRIBUTION.test(last.trim())) return end;
  const prev = lines[end - 1];
  if (prev !== undefined && !isBlank(prev) && ATTRIBUTION.test(`${prev.trim()} ${last.trim()}`)) return end - 1;
  return -1;
}

function trimTrailingBlank(lines: string[]): string[] {
  let end = lines.length;
  while (end > 0 && isBlank(lines[end - 1]!)) end--;
  return lines.slice(0, end);
}

/** Drop the trailing quote block and the attribution line right above it. */
function dropTrailingQuote(lines: string[]): string[] {
  let end = lines.length;
  while (end > 0 && (isQuoted(lines[end - 1]!) || isBlank(lines[end - 1]!))) end--;
  const hadQuote = lines.slice(end).some(isQuoted);
  let kept = hadQuote ? lines.slice(0, end) : lines;
  const attr = attributionStart(kept, kept.length - 1);
  if (attr >= 0 && (hadQuote || attr > 0)) kept = kept.slice(0, attr);
  return trimTrailingBlank(kept);
}

export function stripReply(text: string): string {
  const original = text.replace(/\r\n?/g, '\n');
  let lines = original.split('\n');

  const block = originalBlockStart(lines);
  if (block > 0) lines = lines.slice(0, block);

  const sig = lines.findIndex((l) => SIGNATURE.test(l));
  if (sig > 0) lines = lines.slice(0, sig);

  lines = trimTrailingBlank(lines);
  lines = dropTrailingQuote(lines);
  while (lines.length > 0 && FOOTER.test(lines[lines.length - 1]!)) lines = trimTrailingBlank(lines.slice(0, -1));
  lines = dropTrailingQuote(lines);

  const result = lines.join('\n').replace(/\s+$/, '');
  return result.trim() === '' ? original.trim() : result;
}
