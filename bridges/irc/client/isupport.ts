/**
 * RPL_ISUPPORT (005) state of one IRC connection (https://modern.ircdocs.horse/#rplisupport-005)
 * and the nick/channel comparisons that depend on it.
 */

export type CaseMapping = 'ascii' | 'rfc1459' | 'strict-rfc1459';

export interface PrefixMode {
  /** Channel mode letter, e.g. `o`. */
  mode: string;
  /** Prefix shown in NAMES, e.g. `@`. */
  prefix: string;
}

export class Isupport {
  caseMapping: CaseMapping = 'rfc1459';
  chanTypes = '#&';
  /** Highest rank first, as the server lists them. */
  prefixes: PrefixMode[] = parsePrefix('(ov)@+');
  /** CHANMODES groups A (list), B (always a parameter), C (parameter when set), D (none). */
  chanModes: [string, string, string, string] = ['beI', 'k', 'l', 'imnpst'];
  network?: string;
  /** NICKLEN; undefined until the server advertises it. */
  nickLen: number | undefined;
  /** CLIENTTAGDENY (IRCv3 message-tags): client tags the server will not relay; `*` all, `-name` but that one. */
  clientTagDeny: string[] = [];
  /** CHATHISTORY (IRCv3 draft/chathistory): most messages one request returns; 0 = no limit, undefined = not advertised. */
  chatHistoryMax: number | undefined;
  /** MSGREFTYPES (draft/chathistory): the message references CHATHISTORY takes, preferred first; empty = not advertised. */
  msgRefTypes: string[] = [];

  /** Apply the tokens of one 005 line (the nick and the trailing text excluded). */
  apply(tokens: readonly string[]): void {
    for (const token of tokens) {
      const eq = token.indexOf('=');
      const key = (eq === -1 ? token : token.slice(0, eq)).toUpperCase();
      const value = eq === -1 ? '' : token.slice(eq + 1);
      switch (key) {
        case 'CASEMAPPING':
          if (value === 'ascii' || value === 'rfc1459' || value === 'strict-rfc1459') this.caseMapping = value;
          break;
        case 'CHANTYPES':
          this.chanTypes = value;
          break;
        case 'PREFIX': {
          const parsed = parsePrefix(value);
          if (parsed.length > 0 || value === '') this.prefixes = parsed;
          break;
        }
        case 'CHANMODES': {
          const groups = value.split(',');
          this.chanModes = [groups[0] ?? '', groups[1] ?? '', groups[2] ?? '', groups[3] ?? ''];
          break;
        }
        case 'NETWORK':
          this.network = value;
          break;
        case 'NICKLEN':
          if (/^\d+$/.test(value)) this.nickLen = Number(value);
          break;
        case 'CHATHISTORY':
          if (/^\d{1,9}$/.test(value)) this.chatHistoryMax = Number(value);
          break;
        case 'MSGREFTYPES':
          this.msgRefTypes = value.split(',').filter(Boolean).slice(0, 8);
          break;
        case 'CLIENTTAGDENY':
          this.clientTagDeny = value.split(',').filter(Boolean).slice(0, 64);
          break;
      }
    }
  }

  /** Whether the server relays the client tag `+name` (https://ircv3.net/specs/extensions/message-tags#rpl_isupport-tokens). */
  clientTagAllowed(name: string): boolean {
    const bare = name.replace(/^\+/, '');
    if (this.clientTagDeny.includes(`-${bare}`)) return true;
    return !this.clientTagDeny.includes('*') && !this.clientTagDeny.includes(bare);
  }

  isChannel(name: string): boolean {
    return name.length > 0 && this.chanTypes.includes(name[0]!);
  }

  fold(name: string): string {
    return foldCase(name, this.caseMapping);
  }

  sameName(a: string, b: string): boolean {
    return this.fold(a) === this.fold(b);
  }

  /** Split a NAMES entry (`@+nick`, multi-prefix) into its prefixes and the nick. */
  splitNamesEntry(entry: string): { prefixes: string; nick: string } {
    let i = 0;
    while (i < entry.length && this.prefixes.some((p) => p.prefix === entry[i])) i++;
    // userhost-in-names: `nick!user@host`
    const rest = entry.slice(i);
    const bang = rest.indexOf('!');
    return { prefixes: entry.slice(0, i), nick: bang === -1 ? rest : rest.slice(0, bang) };
  }

  prefixForMode(mode: string): string | undefined {
    return this.prefixes.find((p) => p.mode === mode)?.prefix;
  }

  /** Whether a mode letter takes a parameter when set (`+`) or unset (`-`). */
  modeTakesParam(mode: string, adding: boolean): boolean {
    if (this.prefixes.some((p) => p.mode === mode)) return true;
    const [a, b, c] = this.chanModes;
    if (a.includes(mode) || b.includes(mode)) return true;
    if (c.includes(mode)) return adding;
    return false;
  }
}

/** `(qaohv)~&@%+` → [{mode:'q',prefix:'~'}, …]. */
export function parsePrefix(value: string): PrefixMode[] {
  const m = /^\(([^)]*)\)(.*)$/.exec(value);
  if (!m || m[1]!.length !== m[2]!.length) return [];
  return [...m[1]!].map((mode, i) => ({ mode, prefix: m[2]![i]! }));
}

/**
 * Case folding by CASEMAPPING: `ascii` folds A–Z only; `rfc1459` also `[]\~` → `{}|^`
 * (RFC 1459 §2.2 "Scandinavian origin"); `strict-rfc1459` the same without `~`/`^`.
 */
export function foldCase(name: string, mapping: CaseMapping): string {
  let out = name.replace(/[A-Z]/g, (c) => c.toLowerCase());
  if (mapping === 'ascii') return out;
  out = out.replace(/[[\]\\]/g, (c) => (c === '[' ? '{' : c === ']' ? '}' : '|'));
  if (mapping === 'rfc1459') out = out.replace(/~/g, '^');
  return out;
}
