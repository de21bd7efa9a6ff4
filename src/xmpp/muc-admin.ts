/**
 * XEP-0045 §8–§9 muc#admin role and affiliation changes (kick = role 'none', voice, op…), turned
 * into Outbound `moderate` events. The iq result or error is sent when the bridge has done it
 * (src/core/delivery.ts), so the moderator learns whether the network accepted it.
 */
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
    if (!nick) throw new StanzaError('bad-request', 'The item needs a nick.');
    const role = item.attrs.role as Role | undefined;
    const affiliation = item.attrs.affiliation as Affiliation | undefined;
    if (role === undefined && affiliation === undefined) throw new StanzaError('bad-request', 'The item needs a role or an affiliation.');
    if (role !== undefined && !ROLES.has(role)) throw new StanzaError('bad-request', `Unknown role ${role}.`);
    if (affiliation !== undefined && !AFFILIATIONS.has(affiliation)) throw new StanzaError('bad-request', `Unknown affiliation ${affiliation}.`);
    const reason = item.getChildText('reason') ?? undefined;
    enqueue(
      {
        kind: 'moderate',
        user: iq.user,
        to: address.localpart,
        nick,
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
}
