/**
 * The IRC line parser the bridge had before it used irc-framework's (bridges/irc/client/line.ts
 * up to f22f3c6), kept only as the baseline of bench/irc-parse.ts.
 */
import type { IrcLine } from '../../bridges/irc/client/line.js';

// message-tags §Escaping values: `\:` `;`, `\s` space, `\\` backslash, `\r` CR, `\n` LF.
const TAG_UNESCAPES: Record<string, string> = { ':': ';', s: ' ', '\\': '\\', r: '\r', n: '\n' };

function unescapeTagValue(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const next = value[i + 1];
    i++;
    // A trailing lone backslash is dropped; an unknown escape keeps the character.
    if (next !== undefined) out += TAG_UNESCAPES[next] ?? next;
  }
  return out;
}

function parseTags(text: string): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const part of text.split(';')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const key = eq === -1 ? part : part.slice(0, eq);
    tags[key] = eq === -1 ? '' : unescapeTagValue(part.slice(eq + 1));
  }
  return tags;
}

/** Parse one line (without its CR LF). Returns undefined for a line with no command. */
export function parseLineLegacy(raw: string): IrcLine | undefined {
  let rest = raw.replace(/[\r\n]+$/, '');
  let tags: Record<string, string> = {};
  let prefix = '';
  rest = rest.replace(/^ +/, '');
  if (rest.startsWith('@')) {
    const sp = rest.indexOf(' ');
    if (sp === -1) return undefined;
    tags = parseTags(rest.slice(1, sp));
    rest = rest.slice(sp + 1).replace(/^ +/, '');
  }
  if (rest.startsWith(':')) {
    const sp = rest.indexOf(' ');
    if (sp === -1) return undefined;
    prefix = rest.slice(1, sp);
    rest = rest.slice(sp + 1).replace(/^ +/, '');
  }
  const params: string[] = [];
  let command = '';
  while (rest.length > 0) {
    if (command && rest.startsWith(':')) {
      params.push(rest.slice(1));
      break;
    }
    const sp = rest.indexOf(' ');
    const word = sp === -1 ? rest : rest.slice(0, sp);
    if (!command) command = word.toUpperCase();
    else params.push(word);
    rest = sp === -1 ? '' : rest.slice(sp + 1).replace(/^ +/, '');
  }
  if (!command) return undefined;
  return { tags, prefix, command, params };
}
