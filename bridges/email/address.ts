/**
 * Email addresses ⇄ local parts of the component domain, and XMPP users ⇄ their own mailboxes.
 * Contacts are `alice\40example.com` (XEP-0106 escaping of `@`); `alice%example.com` is accepted
 * on input. Pure functions, table-tested.
 */
import { StanzaError } from '../../src/core/errors.js';
import { escapeLocal, unescapeLocal } from '../../src/xmpp/jid.js';
import type { EmailConfig } from './config.js';

// RFC 5322 §3.2.3 atext (dot-atom local part), plus non-ASCII for RFC 6531 (SMTPUTF8) mailboxes.
const LOCAL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~\u0080-\uFFFF-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~\u0080-\uFFFF-]+)*$/;
// RFC 5321 §4.1.2 Domain: dot-separated labels (IDN kept as Unicode).
const DOMAIN = /^([A-Za-z0-9\u0080-\uFFFF]([A-Za-z0-9\u0080-\uFFFF-]*[A-Za-z0-9\u0080-\uFFFF])?\.)+[A-Za-z0-9\u0080-\uFFFF-]{2,}$/;

/** Normalise and validate an address (`Alice@Example.COM` → `Alice@example.com`); undefined if invalid. */
export function normaliseAddress(raw: string): string | undefined {
  const text = raw.trim();
  if (text.length > 254 || /[\r\n\s<>]/.test(text)) return undefined; // RFC 5321 §4.5.3.1.3 path limit
  const at = text.lastIndexOf('@');
  if (at <= 0) return undefined;
  const local = text.slice(0, at);
  const domain = text.slice(at + 1).toLowerCase();
  if (local.length > 64 || !LOCAL.test(local) || !DOMAIN.test(domain)) return undefined;
  return `${local}@${domain}`;
}

/** The email address a contact local part denotes; throws jid-malformed when it is not one. */
export function addressOfLocalpart(localpart: string): string {
  let text = unescapeLocal(localpart);
  // The `%` form (cheogram, biboumi habits): the last `%` separates local part and domain.
  if (!text.includes('@')) {
    const pct = text.lastIndexOf('%');
    if (pct > 0) text = `${text.slice(0, pct)}@${text.slice(pct + 1)}`;
  }
  const address = normaliseAddress(text);
  if (!address) throw new StanzaError('jid-malformed', `Not an email address: ${text.slice(0, 100)}. Write it as alice\\40example.com.`);
  return address;
}

/** The canonical local part of an email address (XEP-0106 escaped). */
export function localpartOfAddress(address: string): string {
  const normal = normaliseAddress(address);
  if (!normal) throw new StanzaError('jid-malformed', `Not an email address: ${address.slice(0, 100)}`);
  return escapeLocal(normal);
}

export interface Mailbox {
  address: string;
  name?: string;
}

function fill(template: string, local: string, domain: string): string {
  return template.replaceAll('{local}', local).replaceAll('{domain}', domain);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Which mailbox each XMPP user has, and which user a recipient address belongs to. */
export class Mailboxes {
  private readonly byAddress = new Map<string, string>();
  private readonly pattern: RegExp | undefined;

  constructor(private readonly config: EmailConfig['addresses']) {
    for (const [jid, entry] of Object.entries(config.map)) this.byAddress.set(entry.address.toLowerCase(), jid.toLowerCase());
    if (config.pattern) {
      const re = escapeRegExp(config.pattern).replace('\\{local\\}', '(?<local>[^@%/\\s]+?)').replace('\\{domain\\}', '(?<domain>[^@/\\s]+)');
      this.pattern = new RegExp(`^${re}$`, 'i');
    }
  }

  /** The mailbox of a user, or undefined when the config gives them none. */
  ofUser(user: string): Mailbox | undefined {
    const bare = user.toLowerCase();
    const entry = Object.entries(this.config.map).find(([jid]) => jid.toLowerCase() === bare)?.[1];
    if (entry) return { address: entry.address, ...(entry.name !== undefined ? { name: entry.name } : {}) };
    if (!this.config.pattern) return undefined;
    const at = bare.indexOf('@');
    const local = bare.slice(0, at);
    const domain = bare.slice(at + 1);
    if (!this.config.pattern.includes('{domain}') && this.config.user_domain && domain !== this.config.user_domain.toLowerCase()) return undefined;
    const address = normaliseAddress(fill(this.config.pattern, local, domain));
    if (!address) return undefined;
    const name = this.config.display_name ? fill(this.config.display_name, local, domain) : undefined;
    return { address, ...(name !== undefined ? { name } : {}) };
  }

  /** The bare JID a recipient address belongs to, or undefined (never an open relay). */
  userOf(address: string): string | undefined {
    const lower = address.trim().toLowerCase();
    const mapped = this.byAddress.get(lower);
    if (mapped) return mapped;
    const m = this.pattern?.exec(lower);
    if (!m?.groups) return undefined;
    const local = m.groups['local'];
    const domain = m.groups['domain'] ?? this.config.user_domain?.toLowerCase();
    if (!local || !domain) return undefined;
    return `${local}@${domain}`;
  }
}
