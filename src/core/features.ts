/**
 * What an address can carry, as its bridge declares it in `ResolvedAddress.features` (bridge.ts).
 * One list serves two readers: the XMPP layer advertises it (XEP-0030 disco#info, so clients show
 * only what works), and the core routes by it (a chat state for an address without `chatStates`
 * is dropped before the outbox: it is not a message, and nothing on that network could show it).
 *
 * The values are the XMPP feature names (plain strings to a bridge: it never sees XML); a bridge
 * lists only what its network really does there, e.g. `receipts` only where it reports delivery.
 */
export const FEATURES = {
  /** XEP-0184: the bridge reports delivery (a `receipt` event with state `delivered`). */
  receipts: 'urn:xmpp:receipts',
  /** XEP-0424: `retraction` events are carried (the network can unsend). */
  retract: 'urn:xmpp:message-retract:1',
  /** XEP-0444: `reaction` events are carried (see `ResolvedAddress.reactions` for limits). */
  reactions: 'urn:xmpp:reactions:0',
  /** XEP-0461: `replyTo` is carried as a reference, not only as text. */
  reply: 'urn:xmpp:reply:0',
  /** XEP-0085: `chatstate` events are carried (typing notifications). */
  chatStates: 'http://jabber.org/protocol/chatstates',
  /** XEP-0393: message styling is rendered on the network (or rendered from its formatting). */
  styling: 'urn:xmpp:styling:0',
  /** XEP-0066: links to files are carried (sent as attachments). */
  oob: 'jabber:x:oob',
  /** XEP-0308: `correction` events are carried. */
  correct: 'urn:xmpp:message-correct:0',
} as const;

/**
 * XEP-0444 §2.2: what a network allows of reactions, when it limits them. Advertised as the
 * `urn:xmpp:reactions:0:restrictions` form of the address's disco#info.
 */
export interface ReactionLimits {
  /** At most this many reactions of one user on one message. */
  maxPerUser?: number;
  /** Only these emojis. */
  allowlist?: string[];
}

/** Whether the address's bridge declared `feature` for it. */
export function carries(address: { features?: readonly string[] }, feature: string): boolean {
  return address.features?.includes(feature) ?? false;
}
