/**
 * Presence the component answers itself (RFC 6121): subscriptions to the domain and to
 * contacts, probes, and — for networks without presence (SMS, email) — the availability of the
 * route: available while the bridge can deliver, unavailable with the reason when it cannot.
 */
import { Element } from 'ltx';
import type { Bridge, BridgeHealth } from '../core/bridge.js';
import type { Store } from '../core/store.js';

export interface PresenceDeps {
  bridgeId: string;
  domain: string;
  bridge: Bridge;
  /** The network has presence of its own (IRC): contacts' presence comes from the bridge. */
  hasPresence: boolean;
  store: Store;
  send(el: Element): Promise<void>;
  health(): BridgeHealth;
  /**
   * The user's available presence reached the component (broadcast by their server to the
   * domain or a contact they let see it, RFC 6121 §4.2.2, or directed): they can take messages.
   */
  userAvailable?(user: string): void;
  /** XEP-0115 `<c/>` of a JID of the domain as `user` sees it (disco.ts), for available presences. */
  caps?(user: string, localpart: string): Element | undefined;
}

export class PresenceService {
  constructor(private readonly deps: PresenceDeps) {}

  private jidOf(localpart: string): string {
    return localpart ? `${localpart}@${this.deps.domain}` : this.deps.domain;
  }

  /** The route's presence from `localpart` to `to`, from the bridge's health. */
  routePresence(localpart: string, to: string, stopping = false): Element {
    const health = this.deps.health();
    const from = this.jidOf(localpart);
    if (stopping) return new Element('presence', { from, to, type: 'unavailable' }).c('status').t('The gateway is shutting down.').root();
    if (health.canDeliver) {
      const pres = new Element('presence', { from, to });
      const caps = this.deps.caps?.(to.split('/')[0]!, localpart);
      if (caps) pres.cnode(caps);
      return pres;
    }
    const pres = new Element('presence', { from, to, type: 'unavailable' });
    pres.c('status').t(health.reason ?? 'The gateway cannot deliver messages right now.');
    return pres;
  }

  /** Whether this bridge answers presence for `localpart` itself. */
  private answersFor(kind: string): boolean {
    return kind === 'service' || (kind === 'contact' && !this.deps.hasPresence);
  }

  /**
   * A subscription-related or probe presence from `user` to `localpart` (already resolved,
   * access already checked). RFC 6121 §3.1.3: approve by sending `subscribed`.
   */
  async handle(el: Element, user: string, localpart: string, kind: string): Promise<void> {
    const type = el.attrs.type;
    const from = this.jidOf(localpart);
    const id = el.attrs.id;
    const { store, bridgeId, send } = this.deps;
    switch (type) {
      case 'subscribe':
        store.subscriptions.add(bridgeId, user, localpart);
        await send(new Element('presence', { from, to: user, type: 'subscribed', ...(id ? { id } : {}) }));
        if (this.answersFor(kind)) await send(this.routePresence(localpart, user));
        // biboumi also asks for the reverse subscription of the gateway, so both sides see it.
        if (kind === 'service') await send(new Element('presence', { from, to: user, type: 'subscribe' }));
        return;
      case 'unsubscribe':
        store.subscriptions.remove(bridgeId, user, localpart);
        await send(new Element('presence', { from, to: user, type: 'unavailable' }));
        await send(new Element('presence', { from, to: user, type: 'unsubscribed', ...(id ? { id } : {}) }));
        return;
      case 'probe':
        // RFC 6121 §4.3: answer a probe with the current presence.
        if (this.answersFor(kind)) await send(this.routePresence(localpart, user));
        return;
      case 'subscribed':
      case 'unsubscribed':
        return; // the user's answer to our own request; nothing to do
      default:
        if (type === undefined) this.deps.userAvailable?.(user);
        // Directed available presence: tell the user the route's state right away.
        if (type === undefined && this.answersFor(kind)) await send(this.routePresence(localpart, el.attrs.from ?? user));
    }
  }

  /** Send every subscriber the current presence of what they subscribed to. */
  async broadcast(stopping = false): Promise<void> {
    for (const { user, localpart } of this.deps.store.subscriptions.list(this.deps.bridgeId)) {
      let kind: string;
      try {
        kind = this.deps.bridge.resolve(localpart).kind;
      } catch {
        continue;
      }
      if (!this.answersFor(kind)) continue;
      await this.deps.send(this.routePresence(localpart, user, stopping)).catch(() => undefined);
    }
  }
}
