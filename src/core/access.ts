/** The access policy of a bridge: allowed users by bare JID and by domain, plus admins. */
import type { AccessConfig } from '../config-schema.js';

export class AccessPolicy {
  private users = new Set<string>();
  private domains = new Set<string>();
  private admins = new Set<string>();

  constructor(access: AccessConfig, admins: readonly string[]) {
    this.update(access, admins);
  }

  /** Replace the lists (SIGHUP reload): takes effect for the next stanza. */
  update(access: AccessConfig, admins: readonly string[]): void {
    this.users = new Set(access.users.map((u) => u.toLowerCase()));
    this.domains = new Set(access.domains.map((d) => d.toLowerCase()));
    this.admins = new Set(admins.map((a) => a.toLowerCase()));
  }

  /** Admins are always allowed; nobody else unless listed (deny by default: SMS costs money). */
  isAllowed(bareJid: string): boolean {
    const jid = bareJid.toLowerCase();
    if (this.admins.has(jid) || this.users.has(jid)) return true;
    const at = jid.lastIndexOf('@');
    return at > 0 && this.domains.has(jid.slice(at + 1));
  }

  isAdmin(bareJid: string): boolean {
    return this.admins.has(bareJid.toLowerCase());
  }

  get isEmpty(): boolean {
    return this.users.size === 0 && this.domains.size === 0;
  }
}
