/**
 * Every stanza the XMPP server routes to a bridge domain starts here: addresses checked, the
 * access policy applied, then iq → services, message/presence → Outbound events in the outbox.
 */
import { Element } from 'ltx';
import type { Logger } from 'pino';
import type { AccessPolicy } from '../core/access.js';
import type { Bridge, ResolvedAddress } from '../core/bridge.js';
import { isStanzaError, StanzaError, toStanzaError } from '../core/errors.js';
import type { Outbound } from '../core/model.js';
import type { Store } from '../core/store.js';
import { errorReply } from './errors.js';
import type { IqRouter } from './iq.js';
import type { IqClient } from './iq-client.js';
import { formatJid, parseJid } from './jid.js';
import { NS } from './ns.js';
import type { PresenceService } from './presence.js';
import { decodeMessage, decodeRoomPresence, type Route } from './stanza.js';
import { carries, FEATURES } from '../core/features.js';

export interface ReceiverDeps {
  domain: string;
  bridgeId: string;
  bridge: Bridge;
  access: AccessPolicy;
  router: IqRouter;
  presence: PresenceService;
  store: Store;
  log: Logger;
  send(el: Element): Promise<void>;
  enqueue(event: Outbound, iq?: { id: string; from: string; to: string }): { duplicate: boolean };
  /** Answers to the iqs the gateway sent to users' clients. */
  iqClient: IqClient;
  /** The network has presence of its own (BridgeDefinition.hasPresence): the user's presence is an Outbound event. */
  presenceToBridge?: boolean;
  /**
   * The server or a client answered a message the gateway delivered with an error: true when it
   * was one of the outbox's inbound items (then it is a failed delivery, see core/delivery.ts).
   */
  bounced?(user: string, id: string, fromResource: string | undefined, reason: string): boolean;
}

/** iqs anybody may send to the domain itself: discovering a gateway is not using it. */
const OPEN_IQS = new Set([NS.discoInfo, NS.version, NS.ping]);
const TOUCH_EVERY_MS = 60_000;

export class StanzaReceiver {
  private readonly lastTouch = new Map<string, number>();

  constructor(private readonly deps: ReceiverDeps) {}

  async receive(el: Element): Promise<void> {
    const from = el.attrs.from ? parseJid(el.attrs.from) : undefined;
    const to = el.attrs.to ? parseJid(el.attrs.to) : undefined;
    if (!from || !to || to.domain !== this.deps.domain || !['message', 'presence', 'iq'].includes(el.name)) {
      this.deps.log.warn({ event: 'dropped', name: el.name, from: el.attrs.from, to: el.attrs.to }, 'stanza with a missing or foreign address dropped');
      return;
    }
    if (this.deps.iqClient.onResponse(el)) return;
    const user = formatJid({ local: from.local, domain: from.domain });
    const route: Route = { user, to: to.local, ...(from.resource ? { resource: from.resource } : {}), ...(to.resource ? { toResource: to.resource } : {}) };
    // RFC 6120 §8.3.1: an error stanza is never answered with another error.
    if (el.attrs.type === 'error') return this.onBounce(el, route);
    if (!this.deps.access.isAllowed(user) && !this.isOpen(el, to.local)) return this.refuse(el, user);
    this.touch(user);
    try {
      if (el.name === 'iq') {
        // An iq get/set to an address that maps to nothing gets that error, whatever its payload
        // (handlers such as ping or version would otherwise answer for a JID that does not exist).
        if ((el.attrs.type === 'get' || el.attrs.type === 'set') && to.local !== '') this.deps.bridge.resolve(to.local);
        const reply = await this.deps.router.dispatch({
          stanza: el,
          user,
          resource: from.resource,
          from: el.attrs.from!,
          localpart: to.local,
          toResource: to.resource,
        });
        if (reply) await this.deps.send(reply);
        return;
      }
      const address = this.deps.bridge.resolve(to.local);
      if (el.name === 'message') return this.onMessage(el, route, address);
      return await this.onPresence(el, route, address);
    } catch (err) {
      const error = toStanzaError(err);
      if (!isStanzaError(err)) this.deps.log.error({ event: 'bug', err }, 'stanza handling failed');
      // Nothing was asked by an unavailable presence (RFC 6121 §4.5) or by an answer to a
      // subscription request (§3.1.5, §3.2): no error for those, even to an odd address.
      if (el.name === 'presence' && ['unavailable', 'subscribed', 'unsubscribed'].includes(el.attrs.type ?? '')) return;
      const keep = el.name === 'presence' && el.getChild('x', NS.muc) ? [new Element('x', { xmlns: NS.muc })] : [];
      await this.deps.send(errorReply(el, error, keep)).catch(() => undefined);
    }
  }

  private isOpen(el: Element, localpart: string): boolean {
    if (el.name !== 'iq' || localpart !== '' || el.attrs.type !== 'get') return false;
    const child = el.getChildElements()[0];
    return child !== undefined && OPEN_IQS.has(child.attrs.xmlns as typeof NS.ping) && !child.attrs.node;
  }

  private async refuse(el: Element, user: string): Promise<void> {
    // Unavailable presences and subscription answers need no reply (nothing was asked).
    if (el.name === 'presence' && el.attrs.type !== undefined && el.attrs.type !== 'subscribe' && el.attrs.type !== 'probe') return;
    this.deps.log.info({ event: 'refused', user }, 'user not allowed on this bridge');
    const err = new StanzaError('forbidden', `${user} is not allowed to use ${this.deps.domain}; ask the operator of this gateway for access.`);
    const keep = el.name === 'presence' && el.getChild('x', NS.muc) ? [new Element('x', { xmlns: NS.muc })] : [];
    await this.deps.send(errorReply(el, err, keep)).catch(() => undefined);
  }

  private touch(user: string): void {
    const now = Date.now();
    if ((this.lastTouch.get(user) ?? 0) + TOUCH_EVERY_MS > now) return;
    this.lastTouch.set(user, now);
    this.deps.store.users.touch(this.deps.bridgeId, user, now);
  }

  private onMessage(el: Element, route: Route, address: ResolvedAddress): void {
    const event = decodeMessage(el, { ...route, to: address.localpart });
    if (!event) return; // markers, receipts: nothing to send, nothing to answer
    // Chat states are ephemeral (XEP-0085 §5.5: no error is owed for one): where the address's
    // bridge does not carry them they stop here, before the outbox; elsewhere they take the one
    // door like everything else, in order with the messages (core/ephemeral.ts).
    if (event.kind === 'chatstate' && !carriesChatStates(el, address)) return;
    // RFC 6121 §5.2.2: groupchat is for rooms. Sent anywhere else it would go out as something
    // the user did not mean (a private message to `\` for a "channel" named `\`), or nowhere.
    if (el.attrs.type === 'groupchat' && address.kind !== 'room') {
      throw new StanzaError('item-not-found', `${address.name ?? address.localpart} is not a room; send groupchat messages to a room, or write to a contact with a chat message.`);
    }
    if (address.kind === 'service' && !this.acceptsServiceMessages()) {
      throw new StanzaError('service-unavailable', `${this.deps.domain} is a gateway; write to a contact such as the address you want to reach.`);
    }
    this.enqueue(event);
  }

  /** Bridges with a room model (IRC) take messages to their service JIDs (raw commands). */
  private acceptsServiceMessages(): boolean {
    return this.deps.bridge.listItems !== undefined;
  }

  private async onPresence(el: Element, route: Route, address: ResolvedAddress): Promise<void> {
    const type = el.attrs.type;
    // XEP-0045 §7.2: a join (presence with <x xmlns='…muc'/>) to something that is no room must
    // fail visibly; as a plain directed presence it would vanish without an answer.
    if (address.kind !== 'room' && type === undefined && el.getChild('x', NS.muc)) {
      throw new StanzaError('item-not-found', `${address.name ?? address.localpart} is not a room that can be joined.`, { type: 'cancel' });
    }
    // XEP-0045 §7.2.1: a join without a nick (to the bare room JID) gets jid-malformed.
    if (address.kind === 'room' && type === undefined && !route.toResource) {
      throw new StanzaError('jid-malformed', 'Join a room as room@domain/nick: the nick is missing.');
    }
    if (address.kind === 'room' && (type === undefined || type === 'unavailable')) {
      const event = decodeRoomPresence(el, { ...route, to: address.localpart });
      if (event) this.enqueue(event);
      return;
    }
    if ((type === undefined || type === 'unavailable') && route.resource && this.deps.presenceToBridge) {
      // Through the outbox like everything else that makes a bridge act (design.md §1.6).
      const show = el.getChildText('show');
      const status = el.getChildText('status');
      this.enqueue({
        kind: 'presence',
        user: route.user,
        resource: route.resource,
        to: address.localpart,
        available: type === undefined,
        ...(show === 'away' || show === 'chat' || show === 'dnd' || show === 'xa' ? { show } : {}),
        ...(status ? { status } : {}),
      });
    }
    await this.deps.presence.handle(el, route.user, address.localpart, address.kind);
  }

  private enqueue(event: Outbound): void {
    try {
      this.deps.enqueue(event);
    } catch (err) {
      // The store refused the write: the user must know it was not taken (nothing silently lost).
      throw new StanzaError('resource-constraint', 'The gateway cannot store this right now; please send it again later.', { type: 'wait', cause: err });
    }
  }

  /**
   * A client or the server answered one of our stanzas with an error. A message the outbox
   * delivered is a failed delivery (design.md §5). XEP-0045 §9.3 ("service removes user
   * because of error response"): an error from an occupant's resource takes it out of the room.
   */
  private onBounce(el: Element, route: Route): void {
    const id = el.attrs.id as string | undefined;
    if (el.name === 'message' && id && this.deps.bounced?.(route.user, id, route.resource, bounceReason(el))) return;
    if (!route.resource) return;
    let address: ResolvedAddress;
    try {
      address = this.deps.bridge.resolve(route.to);
    } catch {
      return;
    }
    if (address.kind !== 'room') return;
    this.deps.log.info({ event: 'bounce', user: route.user }, 'client error: removing the resource from the room');
    try {
      this.deps.enqueue({ kind: 'leave', user: route.user, resource: route.resource, to: address.localpart, status: 'error' });
    } catch (err) {
      this.deps.log.error({ event: 'bounce_lost', err }, 'could not store the removal');
    }
  }
}

/** A chat state goes on only to a room or a contact (groupchat only to a room) whose bridge shows them. */
function carriesChatStates(el: Element, address: ResolvedAddress): boolean {
  if (address.kind === 'service' || (el.attrs.type === 'groupchat' && address.kind !== 'room')) return false;
  return carries(address, FEATURES.chatStates);
}

/** `condition: text` of an error stanza (RFC 6120 §8.3), for logs and dead letters. */
function bounceReason(el: Element): string {
  const error = el.getChild('error');
  const condition = error?.getChildElements().find((c) => c.attrs.xmlns === NS.stanzas && c.name !== 'text')?.name ?? 'undefined-condition';
  const text = error?.getChildText('text', NS.stanzas);
  return text ? `${condition}: ${text}` : condition;
}
