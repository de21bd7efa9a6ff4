/**
 * XEP-0045 §10.2 room configuration through muc#owner: a get returns the bridge's form, a submit
 * applies it, a cancel (`<x type='cancel'/>`) is acknowledged and changes nothing.
 */
import { Element } from 'ltx';
import type { Bridge } from '../core/bridge.js';
import { StanzaError } from '../core/errors.js';
import { formElement, readSubmittedValues } from './forms.js';
import type { IqRouter } from './iq.js';
import { NS } from './ns.js';

export function registerMucOwner(router: IqRouter, bridge: Bridge): void {
  const config = bridge.roomConfig;
  if (!config) return;
  const roomOf = (localpart: string) => {
    if (bridge.resolve(localpart).kind !== 'room') throw new StanzaError('service-unavailable', 'Only rooms have a configuration.');
  };
  router.register('get', NS.mucOwner, 'query', async (iq) => {
    roomOf(iq.localpart);
    const form = await config.form(iq.user, iq.localpart);
    return new Element('query', { xmlns: NS.mucOwner }).cnode(formElement(form, 'form')).root();
  });
  router.register('set', NS.mucOwner, 'query', async (iq) => {
    roomOf(iq.localpart);
    const x = iq.child.getChild('x', NS.data);
    if (x?.attrs.type === 'cancel') return undefined;
    const values = readSubmittedValues(iq.child);
    if (!values) throw new StanzaError('bad-request', 'Submit the form (<x type="submit"/>) or cancel it.');
    await config.submit(iq.user, iq.localpart, values);
    return undefined;
  });
}
