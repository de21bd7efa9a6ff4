/**
 * XMPP presence → IRC AWAY (RFC 2812 §4.1): away, xa and dnd set AWAY with the status text (or the
 * show in words); available and chat clear it. '' means "not away" (`AWAY` without a parameter).
 */
import type { UserPresence } from '../../src/core/bridge.js';
import type { UserJid } from '../../src/core/model.js';

const SHOW_TEXT = { away: 'Away', xa: 'Extended away', dnd: 'Do not disturb' } as const;

export function awayLine(p: UserPresence): string {
  if (!p.available || p.show === undefined || p.show === 'chat') return '';
  const text = (p.status ?? '').replace(/[\r\n\0]+/g, ' ').trim();
  return text || SHOW_TEXT[p.show];
}

/** How available a presence is: one resource present makes the user present (RFC 6121 §4.7.2.1 show). */
const RANK = { chat: 0, available: 0, away: 1, xa: 2, dnd: 3 } as const;

/**
 * The presences of each user's resources, aggregated into the one IRC AWAY state of the user's
 * connections: not away while any resource is available; otherwise the most available resource's
 * away (the latest among equals).
 */
export class UserPresences {
  private readonly byUser = new Map<UserJid, Map<string, UserPresence>>();

  /** Record a resource's presence (or its going offline) and return the user's aggregate. */
  update(user: UserJid, resource: string, presence: UserPresence | undefined): UserPresence | undefined {
    let resources = this.byUser.get(user);
    if (presence?.available) {
      if (!resources) this.byUser.set(user, (resources = new Map<string, UserPresence>()));
      resources.delete(resource); // re-inserted last: the latest wins among equals
      resources.set(resource, presence);
    } else resources?.delete(resource);
    if (resources?.size === 0) this.byUser.delete(user);
    return this.aggregate(user);
  }

  aggregate(user: UserJid): UserPresence | undefined {
    let best: UserPresence | undefined;
    for (const p of this.byUser.get(user)?.values() ?? []) {
      if (!best || RANK[p.show ?? 'available'] <= RANK[best.show ?? 'available']) best = p;
    }
    return best;
  }
}
