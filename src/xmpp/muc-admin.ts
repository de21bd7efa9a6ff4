/**
 * XEP-0045 §8–§9 muc#admin role and affiliation changes (kick = role 'none', voice, op…), turned
 * into Outbound `moderate` events. The iq result or error is sent when the bridge has done it
 * (src/core/delivery.ts), so the moderator learns whether the network accepted it.
 */
import { Element } from 'ltx';
import type { Bridge } from '../core/bridge.js';
import { StanzaError } from '../core/errors.js';
import type { Affiliation, Outbound, Role } from '../core/model.js';
import { DEFERRED, type IqRouter } from './iq.js';
import { NS } from './ns.js';

const ROLES = new Set<Role>(['moderator', 'participant', 'visitor', 'none']);
const AFFILIATIONS = new Set<Affiliation>(['owner', 'admin', 'member', 'outcast', 'none']);

export type EnqueueWithIq = (event: Outbound, iq: { id: string; from: string; to: string }) => { duplicate: boolean };

export function registerMucAdmin(router: IqRouter, bridge: Bridge, enqueue: EnqueueWithIq): void {
  router.register('set', NS.mucAdmin, 'query', (iq) => {
    const address = bridge.resolve(iq.localpart);
    if (address.kind !== 'room') throw new StanzaError('service-unavailable', 'Roles and affiliations exist in rooms only.');
    const items = iq.child.getChildren('item');
    // One change per request keeps the iq answer meaningful (XEP-0045 allows several; rare in clients).
    if (items.length !== 1) throw new StanzaError('bad-request', 'Send one <item/> per request.');
    const item = items[0]!;
    const nick = item.attrs.nick;
    const jid = item.attrs.jid;
    const role = item.attrs.role as Role | undefined;
    const affiliation = item.attrs.affiliation as Affiliation | undefined;
    // §9: an affiliation change names the JID (the user need not be in the room); a role, the occupant's nick.
    if (!nick && !(jid && affiliation !== undefined && role === undefined)) throw new StanzaError('bad-request', 'The item needs a nick (or a jid, for an affiliation).');
    if (role === undefined && affiliation === undefined) throw new StanzaError('bad-request', 'The item needs a role or an affiliation.');
    if (role !== undefined && !ROLES.has(role)) throw new StanzaError('bad-request', `Unknown role ${role}.`);
    if (affiliation !== undefined && !AFFILIATIONS.has(affiliation)) throw new StanzaError('bad-request', `Unknown affiliation ${affiliation}.`);
    const reason = item.getChildText('reason') ?? undefined;
    enqueue(
      {
        kind: 'moderate',
        user: iq.user,
        to: address.localpart,
        ...(nick ? { nick } : { jid: jid! }),
        ...(iq.resource ? { resource: iq.resource } : {}),
        ...(iq.stanza.attrs.id ? { id: iq.stanza.attrs.id } : {}),
        ...(role ? { role } : {}),
        ...(affiliation ? { affiliation } : {}),
        ...(reason ? { reason } : {}),
      },
      { id: iq.stanza.attrs.id ?? '', from: iq.from, to: iq.stanza.attrs.to ?? '' },
    );
    // The answer comes from the outbox once the bridge is done (see Delivery.outHooks).
    return DEFERRED;
  });

  // XEP-0045 §9.5 (ban list) and §9.8 (member list): the entries of one affiliation.
  router.register('get', NS.mucAdmin, 'query', async (iq) => {
    const address = bridge.resolve(iq.localpart);
    if (address.kind !== 'room') throw new StanzaError('service-unavailable', 'Roles and affiliations exist in rooms only.');
    const affiliation = iq.child.getChild('item')?.attrs.affiliation as Affiliation | undefined;
    if (!affiliation || !AFFILIATIONS.has(affiliation)) throw new StanzaError('bad-request', 'Ask for the list of one affiliation (<item affiliation="outcast"/>).');
    const list = bridge.roomConfig?.affiliations;
    if (!list) throw new StanzaError('feature-not-implemented', 'This room cannot list its affiliations.');
    const query = new Element('query', { xmlns: NS.mucAdmin });
    for (const e of await list(iq.user, address.localpart, affiliation)) {
      const el = query.c('item', { affiliation: e.affiliation, jid: e.jid, ...(e.nick ? { nick: e.nick } : {}) });
      if (e.reason) el.c('reason').t(e.reason);
    }
    return query;
  });
}
