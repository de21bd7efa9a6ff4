/**
 * IRC protocol lines: RFC 1459 §2.3.1 message format with IRCv3 message tags
 * (https://ircv3.net/specs/extensions/message-tags). Pure functions, no I/O. Parsing and the tag
 * codec are irc-framework's (design.md §4b); the CR/LF/NUL guard of what we send is ours.
 */
import Helpers from 'irc-framework/src/helpers.js';
import parseIrcLine from 'irc-framework/src/irclineparser.js';
import MessageTags from 'irc-framework/src/messagetags.js';

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

/** message-tags §Escaping values: `\:` `;`, `\s` space, `\\` backslash, `\r` CR, `\n` LF; an unknown or lone `\` is dropped. */
export function unescapeTagValue(value: string): string {
  return MessageTags.decodeValue(value);
}

/** NUL has no escape in tag values and would cut the line: it is dropped. */
export function escapeTagValue(value: string): string {
  return MessageTags.encodeValue(value.replace(/\0/g, ''));
}

/**
 * Parse one line (without its CR LF) with irc-framework's parser. Returns undefined for a line
 * with no command. Tag keys come lower-cased (irc-framework's codec); the tag map has no prototype,
 * so a `__proto__` key is only a key.
 */
export function parseLine(raw: string): IrcLine | undefined {
  // irc-framework takes a line that starts with spaces for one without tags or prefix; RFC 1459
  // §2.3.1 has no leading spaces, so they are skipped as our parser always did.
  const m = parseIrcLine(raw.charCodeAt(0) === 0x20 ? raw.replace(/^ +/, '') : raw);
  if (!m.command) return undefined;
  return { tags: m.tags, prefix: m.prefix, command: m.command, params: m.params };
}

/** `nick!user@host` → parts (irc-framework's mask parsing); a server name has only `nick`. */
export function parseSource(prefix: string): Source {
  const bang = prefix.indexOf('!');
  const at = prefix.indexOf('@', bang === -1 ? 0 : bang);
  // No '!' or '@': a server name (irc-framework would take a dotted one for a host) or a bare nick.
  if (bang === -1 && at === -1) return { nick: prefix };
  // parseMask splits at the first '!' and the first '@': an '@' inside the nick (before the '!') stays in it.
  const first = prefix.indexOf('@');
  const mask =
    bang !== -1 && first !== -1 && first < bang ? { ...Helpers.parseMask(prefix.slice(bang)), nick: prefix.slice(0, bang) } : Helpers.parseMask(prefix);
  return { nick: mask.nick, ...(bang !== -1 ? { user: mask.user } : {}), ...(at !== -1 ? { host: mask.host } : {}) };
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
  const tagText = MessageTags.encode(tagsToEncode(tags));
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

// message-tags §Format: `[+][vendor/]name`, the vendor a host name, the name letters, digits and '-'.
const TAG_KEY = /^\+?([A-Za-z0-9.-]+\/)?[A-Za-z0-9-]+$/;

/** A key that could break the line (space, ';', '=', CR/LF) throws; an empty value is a bare key. */
function tagsToEncode(tags: Record<string, string>): Record<string, string | true> {
  const out: Record<string, string | true> = Object.create(null) as Record<string, string | true>;
  for (const [key, value] of Object.entries(tags)) {
    if (!TAG_KEY.test(key)) throw new Error(`invalid IRC tag key ${JSON.stringify(key)}`);
    out[key] = value === '' ? true : value.replace(/\0/g, '');
  }
  return out;
}
