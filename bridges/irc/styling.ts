/**
 * XEP-0393 message styling ⇄ IRC formatting codes (https://modern.ircdocs.horse/formatting).
 *
 * | XEP-0393 span | IRC      |
 * |---------------|----------|
 * | `*strong*`    | `\x02` bold          |
 * | `_emphasis_`  | `\x1d` italic        |
 * | `~strike~`    | `\x1e` strikethrough |
 * | `` `pre` ``   | `\x11` monospace     |
 *
 * XEP-0393 §6.2 (spans): an opening directive is at the start of the line, after a whitespace
 * character or right after a different opening directive, and is not followed by whitespace; the
 * closing directive is the first one of the same kind, on the same line, not preceded by
 * whitespace (lazy matching); a span holds some text; a preformatted span holds no other styling.
 * §6.1 (blocks): the lines between a line starting with ```` ``` ```` and a line that is only
 * ```` ``` ```` (or the end of the message) are preformatted: no spans inside.
 *
 * XMPP → IRC: the directives of each span become the IRC codes; a preformatted block's lines are
 * sent monospace without their fence lines. IRC → XMPP: colours (\x03, \x04), reverse (\x16),
 * underline (\x1f) are removed; bold, italic, strike and monospace runs become spans, trimmed of
 * the whitespace at their edges. A run XEP-0393 cannot express (inside a word, crossing another,
 * styled inside monospace) keeps its text without formatting, and so does a line whose own text
 * holds directives a client would style (XEP-0393 has no escape): IRC users' text is never changed.
 */

const BOLD = 1;
const ITALIC = 2;
const STRIKE = 4;
const MONO = 8;

const DIRECTIVE: Record<string, number> = { '*': BOLD, _: ITALIC, '~': STRIKE, '`': MONO };
const DIRECTIVE_CHAR: Record<number, string> = { [BOLD]: '*', [ITALIC]: '_', [STRIKE]: '~', [MONO]: '`' };
const IRC_CODE: Record<number, string> = { [BOLD]: '\x02', [ITALIC]: '\x1d', [STRIKE]: '\x1e', [MONO]: '\x11' };
const IRC_TOGGLE: Record<string, number> = { '\x02': BOLD, '\x1d': ITALIC, '\x1e': STRIKE, '\x11': MONO };

const isWs = (c: string | undefined): boolean => c !== undefined && /\s/u.test(c);

/** Each UTF-16 unit of a line: a directive of a span (`dir`), or text with the styles over it. */
interface Styled {
  dir: boolean;
  flags: number;
}

function findClose(s: string, c: string, from: number, to: number): number {
  for (let k = from; k < to; k++) if (s[k] === c && !isWs(s[k - 1])) return k;
  return -1;
}

function parseSpans(s: string, from: number, to: number, flags: number, out: Styled[]): void {
  let i = from;
  while (i < to) {
    const c = s[i]!;
    const type = DIRECTIVE[c];
    const opens = i === 0 || isWs(s[i - 1]) || (i === from && from > 0 && s[from - 1] !== c);
    if (type !== undefined && opens && i + 1 < to && !isWs(s[i + 1])) {
      const j = findClose(s, c, i + 2, to);
      if (j !== -1) {
        out[i] = out[j] = { dir: true, flags };
        if (type === MONO) for (let k = i + 1; k < j; k++) out[k] = { dir: false, flags: flags | MONO };
        else parseSpans(s, i + 1, j, flags | type, out);
        i = j + 1;
        continue;
      }
    }
    out[i] = { dir: false, flags };
    i++;
  }
}

/** XEP-0393 spans of one line (no line breaks inside). */
export function parseStylingLine(line: string): Styled[] {
  const out: Styled[] = new Array<Styled>(line.length);
  parseSpans(line, 0, line.length, 0, out);
  return out;
}

/** One line's spans as IRC codes. */
export function stylingLineToIrc(line: string): string {
  const styled = parseStylingLine(line);
  let out = '';
  for (let i = 0; i < line.length; i++) out += styled[i]!.dir ? IRC_CODE[DIRECTIVE[line[i]!]!] : line[i];
  return out;
}

/**
 * The lines of an XMPP body as IRC texts (same count but the fence lines of preformatted blocks,
 * which are dropped; a body that would be left with no text keeps its lines as they were).
 */
export function stylingToIrcLines(lines: string[]): string[] {
  const out: string[] = [];
  let inBlock = false;
  for (const line of lines) {
    if (inBlock) {
      if (line.trimEnd() === '```') inBlock = false;
      else if (line !== '') out.push(`\x11${line}\x11`);
    } else if (line.startsWith('```')) inBlock = true;
    else out.push(stylingLineToIrc(line));
  }
  return out.some((l) => l !== '') ? out : lines;
}

/** The codes that restore, at the start of a new IRC line, the formatting on at the end of `text`. */
export function openCodesAtEnd(text: string): string {
  let state = 0;
  for (const ch of text) {
    const t = IRC_TOGGLE[ch];
    if (t !== undefined) state ^= t;
  }
  return [BOLD, ITALIC, STRIKE, MONO].filter((b) => state & b).map((b) => IRC_CODE[b]).join('');
}

/** IRC formatting read off: the text without any code, and the styles over each UTF-16 unit. */
export function parseIrcFormatting(text: string): { plain: string; flags: number[] } {
  let plain = '';
  const flags: number[] = [];
  let state = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    const toggle = IRC_TOGGLE[c];
    if (toggle !== undefined) state ^= toggle;
    else if (c === '\x0f') state = 0;
    else if (c === '\x03') i += /^(\d{1,2}(,\d{1,2})?)?/.exec(text.slice(i + 1, i + 7))![0].length;
    else if (c === '\x04') i += /^([0-9a-fA-F]{6}(,[0-9a-fA-F]{6})?)?/.exec(text.slice(i + 1, i + 14))![0].length;
    else if (c !== '\x16' && c !== '\x1f') {
      plain += c;
      flags.push(state);
    }
  }
  return { plain, flags };
}

interface Span {
  start: number;
  end: number;
  bit: number;
}

/** Maximal runs of each style, without the whitespace at their edges. */
function runs(plain: string, flags: number[]): Span[] {
  const spans: Span[] = [];
  for (const bit of [BOLD, ITALIC, STRIKE, MONO]) {
    let i = 0;
    while (i < flags.length) {
      if (!(flags[i]! & bit)) {
        i++;
        continue;
      }
      let end = i;
      while (end < flags.length && flags[end]! & bit) end++;
      let a = i;
      let b = end;
      while (a < b && isWs(plain[a])) a++;
      while (b > a && isWs(plain[b - 1])) b--;
      if (a < b) spans.push({ start: a, end: b, bit });
      i = end;
    }
  }
  // Outer spans open first: earlier start, then longer.
  return spans.sort((x, y) => x.start - y.start || y.end - x.end || x.bit - y.bit);
}

function render(plain: string, spans: Span[]): string {
  let out = '';
  for (let p = 0; p <= plain.length; p++) {
    for (let k = spans.length - 1; k >= 0; k--) if (spans[k]!.end === p) out += DIRECTIVE_CHAR[spans[k]!.bit];
    for (const sp of spans) if (sp.start === p) out += DIRECTIVE_CHAR[sp.bit];
    if (p < plain.length) out += plain[p];
  }
  return out;
}

/** Whether a client parsing `render(plain, spans)` sees exactly `plain` with exactly these styles. */
function expresses(plain: string, spans: Span[]): boolean {
  const out = render(plain, spans);
  const styled = parseStylingLine(out);
  const want = new Array<number>(plain.length).fill(0);
  for (const sp of spans) for (let k = sp.start; k < sp.end; k++) want[k]! |= sp.bit;
  let p = 0;
  for (let i = 0; i < out.length; i++) {
    if (styled[i]!.dir) continue;
    if (out[i] !== plain[p] || styled[i]!.flags !== want[p]) return false;
    p++;
  }
  return p === plain.length;
}

/** One IRC text (CTCP framing already removed) as XEP-0393 text. */
export function ircToStyling(text: string): string {
  const { plain, flags } = parseIrcFormatting(text);
  if (!flags.some((f) => f !== 0) || !expresses(plain, [])) return plain;
  let kept: Span[] = [];
  for (const span of runs(plain, flags)) {
    const tried = [...kept, span].sort((x, y) => x.start - y.start || y.end - x.end || x.bit - y.bit);
    if (expresses(plain, tried)) kept = tried;
  }
  return render(plain, kept);
}
