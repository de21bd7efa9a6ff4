/**
 * IRC protocol lines: RFC 1459 §2.3.1 message format with IRCv3 message tags
 * (https://ircv3.net/specs/extensions/message-tags). Pure functions, no I/O.
 */

export interface IrcLine {
  tags: Record<string, string>;
  /** `nick!user@host` or a server name; '' when the line has no prefix. */
  prefix: string;
  /** Upper-cased command or three-digit numeric. */
  command: string;
  params: string[];
}

export interface Source {
  nick: string;
  user?: string;
  host?: string;
}

// message-tags §Escaping values: `\:` `;`, `\s` space, `\\` backslash, `\r` CR, `\n` LF.
const TAG_UNESCAPES: Record<string, string> = { ':': ';', s: ' ', '\\': '\\', r: '\r', n: '\n' };
const TAG_ESCAPES: Record<string, string> = { ';': '\\:', ' ': '\\s', '\\': '\\\\', '\r': '\\r', '\n': '\\n' };

export function unescapeTagValue(value: string): string {
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

/** NUL has no escape in tag values and would cut the line: it is dropped. */
export function escapeTagValue(value: string): string {
  return value.replace(/\0/g, '').replace(/[; \\\r\n]/g, (c) => TAG_ESCAPES[c]!);
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
export function parseLine(raw: string): IrcLine | undefined {
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

/** `nick!user@host` → parts; a server name has only `nick`. */
export function parseSource(prefix: string): Source {
  const bang = prefix.indexOf('!');
  const at = prefix.indexOf('@', bang === -1 ? 0 : bang);
  if (bang === -1 && at === -1) return { nick: prefix };
  const nick = prefix.slice(0, bang === -1 ? at : bang);
  const user = bang === -1 ? undefined : prefix.slice(bang + 1, at === -1 ? undefined : at);
  const host = at === -1 ? undefined : prefix.slice(at + 1);
  return { nick, ...(user !== undefined ? { user } : {}), ...(host !== undefined ? { host } : {}) };
}

/**
 * Make any text safe as (part of) one IRC parameter: CR, LF and NUL end or break a line
 * (RFC 1459 §2.3.1), so they become spaces. This is the last line of defence against command
 * injection; callers split multi-line bodies before.
 */
export function stripLineBreaks(text: string): string {
  return text.replace(/[\r\n\0]/g, ' ');
}

/** A middle parameter may not be empty, hold a space or start with ':' (RFC 1459 §2.3.1). */
export function isSafeMiddle(param: string): boolean {
  return param.length > 0 && !/[\s\0:]/.test(param[0]!) && !/[\s\0]/.test(param);
}

/**
 * Serialize a command (without CR LF). Every parameter is stripped of CR/LF/NUL; a middle
 * parameter that is still unsafe (space, leading ':', empty) throws, so a nick or channel
 * name can never smuggle an extra parameter or command.
 */
export function serializeLine(command: string, params: readonly string[] = [], tags: Record<string, string> = {}): string {
  if (!/^[A-Za-z]+$|^\d{3}$/.test(command)) throw new Error(`invalid IRC command ${JSON.stringify(command)}`);
  const parts: string[] = [];
  const tagText = Object.entries(tags)
    .map(([k, v]) => (v === '' ? k : `${k}=${escapeTagValue(v)}`))
    .join(';');
  if (tagText) parts.push(`@${tagText}`);
  parts.push(command.toUpperCase());
  params.forEach((raw, i) => {
    const param = stripLineBreaks(raw);
    const last = i === params.length - 1;
    // RFC 1459 §2.3.1: the trailing parameter may hold anything but CR/LF/NUL (a space, a Unicode
    // space a middle parameter may not): it goes after ':' whenever it is not a safe middle one.
    if (last && !isSafeMiddle(param)) parts.push(`:${param}`);
    else if (isSafeMiddle(param)) parts.push(param);
    else throw new Error(`unsafe IRC parameter ${JSON.stringify(param)} in ${command}`);
  });
  return parts.join(' ');
}
