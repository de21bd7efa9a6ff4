/**
 * XEP-0045 §10.2 room configuration through muc#owner, for every bridge with rooms: a get returns
 * the room's form (src/core/room-config.ts: the core's history settings and the bridge's own
 * fields), a submit applies it, a cancel (`<x type='cancel'/>`) is acknowledged and changes nothing.
 */
import { Element } from 'ltx';
import type { CoreHistorySettings } from '../core/history-settings.js';
import { StanzaError } from '../core/errors.js';
import { configurableRoom, roomConfigForm, submitRoomConfig, type RoomConfigBridge } from '../core/room-config.js';
import { formElement, readSubmittedValues } from './forms.js';
import type { IqRouter } from './iq.js';
import { NS } from './ns.js';

export function registerMucOwner(router: IqRouter, bridge: RoomConfigBridge, settings: CoreHistorySettings): void {
  router.register('get', NS.mucOwner, 'query', async (iq) => {
    const form = await roomConfigForm(bridge, settings, iq.user, iq.localpart);
    return new Element('query', { xmlns: NS.mucOwner }).cnode(formElement(form, 'form')).root();
  });
  router.register('set', NS.mucOwner, 'query', async (iq) => {
    configurableRoom(bridge, iq.localpart);
    const x = iq.child.getChild('x', NS.data);
    if (x?.attrs.type === 'cancel') return undefined;
    const values = readSubmittedValues(iq.child);
    if (!values) throw new StanzaError('bad-request', 'Submit the form (<x type="submit"/>) or cancel it.');
    await submitRoomConfig(bridge, settings, iq.user, iq.localpart, values);
    return undefined;
  });
}
