/** JIDs (RFC 7622) as the gateway needs them, and XEP-0106 JID escaping of local parts. */

export interface Jid {
  local: string;
  domain: string;
  resource: string;
}

/** Parse `local@domain/resource`. Returns undefined for something that is not a JID. */
export function parseJid(text: string): Jid | undefined {
  if (!text || text.length > 3071) return undefined;
  const slash = text.indexOf('/');
  const resource = slash === -1 ? '' : text.slice(slash + 1);
  const head = slash === -1 ? text : text.slice(0, slash);
  const at = head.lastIndexOf('@');
  const local = at === -1 ? '' : head.slice(0, at);
  const domain = (at === -1 ? head : head.slice(at + 1)).toLowerCase();
  if (!domain || /[\s@/]/.test(domain) || local.includes('@')) return undefined;
  if (slash !== -1 && !resource) return undefined;
  if (at !== -1 && !local) return undefined;
  // RFC 7622 §3.3.1 forbids these in local parts; XEP-0106 escapes carry them instead.
  if (/[\s"&'/:<>]/.test(local)) return undefined;
  return { local, domain, resource };
}

export function formatJid(jid: { local?: string; domain: string; resource?: string }): string {
  return `${jid.local ? `${jid.local}@` : ''}${jid.domain}${jid.resource ? `/${jid.resource}` : ''}`;
}

/** The bare JID (`local@domain`) of a JID string; undefined when it is not a JID. */
export function bareJid(text: string): string | undefined {
  const j = parseJid(text);
  return j && formatJid({ local: j.local, domain: j.domain });
}

// XEP-0106 §3.1: these characters are escaped as \ plus two lower-case hex digits.
const ESCAPES: Record<string, string> = {
  ' ': '\\20',
  '"': '\\22',
  '&': '\\26',
  "'": '\\27',
  '/': '\\2f',
  ':': '\\3a',
  '<': '\\3c',
  '>': '\\3e',
  '@': '\\40',
  '\\': '\\5c',
};
const UNESCAPES = new Map(Object.entries(ESCAPES).map(([c, e]) => [e.slice(1), c]));

/**
 * XEP-0106 escape. A backslash is escaped only when it starts one of the escape sequences
 * (§3.3), so ordinary backslashes survive; leading/trailing spaces cannot be escaped (§3.2).
 */
export function escapeLocal(raw: string): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === '\\') {
      const next = raw.slice(i + 1, i + 3).toLowerCase();
      out += UNESCAPES.has(next) ? '\\5c' : '\\';
    } else out += ESCAPES[c] ?? c;
  }
  return out;
}

/** XEP-0106 unescape: `\40` → `@`, `\5c` → `\`; other backslashes stay. */
export function unescapeLocal(escaped: string): string {
  return escaped.replace(/\\([0-9a-fA-F]{2})/g, (m, hex: string) => UNESCAPES.get(hex.toLowerCase()) ?? m);
}
