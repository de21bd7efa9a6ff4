/**
 * XEP-0030 service discovery on every JID of a bridge domain, plus the small XEPs that need no
 * state: software version (XEP-0092) and ping (XEP-0199).
 */
import { Element } from 'ltx';
import type { Bridge, BridgeIdentity } from '../core/bridge.js';
import { StanzaError } from '../core/errors.js';
import type { FormField } from '../core/adhoc-model.js';
import type { ReactionLimits } from '../core/features.js';
import type { AdhocService } from './adhoc.js';
import { capsElement, isCapsNode } from './caps.js';
import { formElement } from './forms.js';
import type { IqContext, IqRouter } from './iq.js';
import { NS } from './ns.js';
import { SOFTWARE } from '../core/software.js';
import type { CoreRooms } from '../core/rooms.js';


export interface DiscoDeps {
  identity: BridgeIdentity;
  contactIdentity?: { category: string; type: string };
  bridge: Bridge;
  /** The core's rooms: self-ping (XEP-0410) and muc#roominfo of rooms a bridge reports through ctx.rooms. */
  rooms?: CoreRooms;
  adhoc: AdhocService;
}

function roomInfo(deps: DiscoDeps, user: string, localpart: string, name: string | undefined) {
  const info = deps.rooms?.info(user, localpart);
  return info ? { ...info, ...(name ? { name } : {}) } : undefined;
}

function resolveOrThrow(bridge: Bridge, localpart: string) {
  return bridge.resolve(localpart);
}

function infoElement(deps: DiscoDeps, iq: IqContext): Element {
  const node = iq.child.attrs.node;
  const query = new Element('query', { xmlns: NS.discoInfo, ...(node ? { node } : {}) });
  if (node === NS.commands || (node && deps.adhoc.visible(iq.user, iq.localpart).some((c) => c.node === node))) {
    // XEP-0050 §2.3: info about the commands node or one command.
    query.c('identity', { category: 'automation', type: node === NS.commands ? 'command-list' : 'command-node' });
    query.c('feature', { var: NS.commands });
    query.c('feature', { var: NS.data });
    return query;
  }
  // XEP-0115 §6.2: the caps node of our presences is answered like the JID itself, node included.
  if (node && !isCapsNode(node)) throw new StanzaError('item-not-found', `No such node: ${node}.`);
  return addressInfo(deps, iq.user, iq.localpart, node);
}

/** The disco#info `<query/>` of a JID of the domain, as `user` sees it. */
function addressInfo(deps: DiscoDeps, user: string, localpart: string, node?: string): Element {
  const query = new Element('query', { xmlns: NS.discoInfo, ...(node ? { node } : {}) });
  const address = resolveOrThrow(deps.bridge, localpart);
  const features = new Set<string>([NS.discoInfo, NS.discoItems, NS.ping, NS.version, NS.commands]);
  if (address.kind === 'service') {
    // XEP-0100 §4.2: a gateway identity; category 'gateway' with the network as type.
    query.c('identity', { category: 'gateway', type: deps.identity.type, name: deps.identity.name });
    if (deps.bridge.gateway) features.add(NS.gateway);
  } else if (address.kind === 'contact') {
    // Receipts, like everything a contact or room can carry, only where the bridge declares it
    // (ResolvedAddress.features, core/features.ts): a client that believes in XEP-0184 waits for them.
    const identity = deps.contactIdentity ?? { category: 'client', type: 'pc' };
    query.c('identity', { ...identity, name: address.name ?? address.localpart });
  } else {
    query.c('identity', { category: 'conference', type: deps.identity.type, name: address.name ?? address.localpart });
    features.add(NS.muc);
  }
  if (address.archive !== undefined) features.add('urn:xmpp:mam:2');
  for (const f of address.features ?? []) features.add(f);
  for (const f of [...features].sort()) query.c('feature', { var: f });
  if (address.reactions && features.has(NS.reactions)) query.cnode(reactionLimitsForm(address.reactions));
  const room = address.kind === 'room' ? roomInfo(deps, user, localpart, address.name) : undefined;
  if (room) {
    // XEP-0045 §15.5.4: muc#roominfo extended disco information.
    const fields: FormField[] = [{ var: 'FORM_TYPE', type: 'hidden', values: ['http://jabber.org/protocol/muc#roominfo'] }];
    if (room.occupants !== undefined) fields.push({ var: 'muc#roominfo_occupants', type: 'text-single', label: 'Number of occupants', values: [String(room.occupants)] });
    if (room.subject !== undefined) fields.push({ var: 'muc#roominfo_subject', type: 'text-single', label: 'Subject', values: [room.subject] });
    query.cnode(formElement({ fields }, 'result'));
  }
  return query;
}

/** XEP-0444 §2.2: the network's limits on reactions, as a disco#info extension form. */
function reactionLimitsForm(limits: ReactionLimits): Element {
  const fields: FormField[] = [{ var: 'FORM_TYPE', type: 'hidden', values: ['urn:xmpp:reactions:0:restrictions'] }];
  if (limits.maxPerUser !== undefined) fields.push({ var: 'max_reactions_per_user', type: 'text-single', values: [String(limits.maxPerUser)] });
  if (limits.allowlist) fields.push({ var: 'allowlist', type: 'list-multi', values: limits.allowlist });
  return formElement({ fields }, 'result');
}

async function itemsElement(deps: DiscoDeps, iq: IqContext): Promise<Element> {
  const node = iq.child.attrs.node;
  if (node === NS.commands) return deps.adhoc.itemsElement(iq);
  if (node) throw new StanzaError('item-not-found', `No such node: ${node}.`);
  resolveOrThrow(deps.bridge, iq.localpart);
  const query = new Element('query', { xmlns: NS.discoItems });
  if (!deps.bridge.listItems) return query;
  const set = iq.child.getChild('set', NS.rsm);
  const num = (s: string | null | undefined) => (s && /^\d+$/.test(s) ? Number(s) : undefined);
  const max = num(set?.getChildText('max'));
  const index = num(set?.getChildText('index'));
  const after = set?.getChildText('after') ?? undefined;
  const before = set?.getChildText('before') ?? undefined;
  const page = await deps.bridge.listItems(iq.user, iq.localpart, {
    ...(max !== undefined ? { max } : {}),
    ...(index !== undefined ? { index } : {}),
    ...(after !== undefined ? { after } : {}),
    ...(before !== undefined ? { before } : {}),
  });
  const domain = iq.stanza.attrs.to?.split('@').pop()?.split('/')[0] ?? '';
  for (const item of page.items) {
    query.c('item', { jid: `${item.localpart}@${domain}`, ...(item.name ? { name: item.name } : {}) });
  }
  if (set || page.count !== undefined) {
    // XEP-0059 §2.6: first (with index), last and, when known, count.
    const rsm = query.c('set', { xmlns: NS.rsm });
    const first = page.items[0];
    const last = page.items[page.items.length - 1];
    if (first) rsm.c('first', page.firstIndex !== undefined ? { index: String(page.firstIndex) } : {}).t(`${first.localpart}@${domain}`);
    if (last) rsm.c('last').t(`${last.localpart}@${domain}`);
    if (page.count !== undefined) rsm.c('count').t(String(page.count));
  }
  return query;
}

/**
 * Register disco#info/#items, version and ping on the domain. Returns the XEP-0115 `<c/>` of a
 * JID of the domain (for the presences the gateway sends), or undefined when it maps to nothing.
 */
export function registerDisco(router: IqRouter, deps: DiscoDeps): { caps(user: string, localpart: string): Element | undefined } {
  router.register('get', NS.discoInfo, 'query', (iq) => infoElement(deps, iq));
  router.register('get', NS.discoItems, 'query', (iq) => itemsElement(deps, iq));
  router.register('get', NS.version, 'query', async (iq) => {
    const q = new Element('query', { xmlns: NS.version });
    // A contact's own software, when its network can tell (IRC CTCP VERSION); else ours.
    const ask = iq.localpart && deps.bridge.resolve(iq.localpart).kind === 'contact' ? deps.bridge.askContact : undefined;
    const v = ask ? await ask.version(iq.user, iq.localpart) : SOFTWARE;
    q.c('name').t(v.name);
    if (v.version) q.c('version').t(v.version);
    if ('os' in v && v.os) q.c('os').t(v.os);
    return q;
  });
  router.register('get', NS.ping, 'ping', async (iq) => {
    // XEP-0410: a ping to one's own occupant JID asks "am I still joined?".
    if (iq.toResource && deps.bridge.resolve(iq.localpart).kind === 'room') {
      deps.rooms?.selfPing(iq.user, iq.resource, iq.localpart, iq.toResource);
    } else if (iq.localpart && !iq.toResource && deps.bridge.askContact && deps.bridge.resolve(iq.localpart).kind === 'contact') {
      await deps.bridge.askContact.ping(iq.user, iq.localpart);
    }
    return undefined;
  });
  return {
    caps(user, localpart) {
      try {
        return capsElement(addressInfo(deps, user, localpart));
      } catch {
        return undefined;
      }
    },
  };
}
