/**
 * Splitting of long bodies for Twilio, pure. Twilio rejects a `Body` over 1,600 characters
 * (error 21617, https://www.twilio.com/docs/api/errors/21617); the gateway can instead send several
 * messages. Parts end at whitespace when there is any in the second half of the window; a word
 * longer than that is cut. Lengths are UTF-16 code units (never fewer than Twilio's count of
 * characters) and a surrogate pair is never cut in two.
 */

export const TWILIO_MAX_BODY = 1600;

export function splitBody(body: string, max = TWILIO_MAX_BODY): string[] {
  if (max < 2) throw new RangeError('splitBody: max must be at least 2');
  const parts: string[] = [];
  let rest = body;
  while (rest.length > max) {
    let cut = max;
    // Do not cut between a high and a low surrogate.
    if (isHighSurrogate(rest.charCodeAt(cut - 1))) cut -= 1;
    const window = rest.slice(0, cut);
    const space = lastWhitespace(window);
    if (space >= Math.floor(max / 2)) cut = space;
    const part = rest.slice(0, cut).trimEnd();
    if (part.length > 0) parts.push(part);
    rest = rest.slice(cut).trimStart();
  }
  if (rest.length > 0 || parts.length === 0) parts.push(rest);
  return parts;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function lastWhitespace(s: string): number {
  for (let i = s.length - 1; i >= 0; i -= 1) {
    if (/\s/.test(s[i] as string)) return i;
  }
  return -1;
}
