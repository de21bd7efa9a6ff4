/**
 * A room's configuration (XEP-0045 §10.2, muc#owner), the same for every bridge with rooms: the
 * core's history settings of the room (history-settings.ts: record_history, max_history_length,
 * when the room has an archive) and the fields a bridge adds of its own (`Bridge.roomConfig`;
 * IRC: persistent), in one muc#roomconfig form. The settings are the user's own: a gateway's
 * rooms have no configuration shared by their occupants.
 */
import type { Form } from './adhoc-model.js';
import type { Bridge } from './bridge.js';
import type { BridgeHistorySettings, StoredHistorySettings } from './bridge-services.js';
import type { CoreHistorySettings } from './history-settings.js';
import { StanzaError } from './errors.js';
import type { UserJid } from './model.js';

export const ROOMCONFIG_FORM_TYPE = 'http://jabber.org/protocol/muc#roomconfig';

export type RoomConfigBridge = Pick<Bridge, 'resolve' | 'roomConfig'>;

/** The room's archive conversation (undefined: no history settings) and name; throws for what has no configuration. */
export function configurableRoom(bridge: RoomConfigBridge, localpart: string): { archive: string | undefined; name: string } {
  const address = bridge.resolve(localpart);
  if (address.kind !== 'room') throw new StanzaError('service-unavailable', 'Only rooms have a configuration.');
  if (address.archive === undefined && !bridge.roomConfig?.fields) throw new StanzaError('service-unavailable', 'This room has nothing to configure.');
  return { archive: address.archive, name: address.name ?? address.localpart };
}

/** The form a get returns: FORM_TYPE, the bridge's fields, then the history settings. */
export async function roomConfigForm(bridge: RoomConfigBridge, settings: CoreHistorySettings, user: UserJid, localpart: string): Promise<Form> {
  const room = configurableRoom(bridge, localpart);
  const own = bridge.roomConfig?.fields ? await bridge.roomConfig.fields(user, localpart) : [];
  return {
    title: `Configure ${room.name}`,
    instructions: 'These settings are yours only: the room has no configuration shared with its other occupants here.',
    fields: [
      { var: 'FORM_TYPE', type: 'hidden', values: [ROOMCONFIG_FORM_TYPE] },
      ...own,
      ...(room.archive !== undefined ? settings.roomFields(user, room.archive) : []),
    ],
  };
}

/**
 * A submitted form: every value is checked before anything changes (the core's first, then the
 * bridge's, which applies its own and throws StanzaError for a wrong one), then the history
 * settings are stored. Fields neither knows are ignored (XEP-0004: a client may echo them all).
 */
export async function submitRoomConfig(
  bridge: RoomConfigBridge,
  settings: BridgeHistorySettings,
  user: UserJid,
  localpart: string,
  values: Record<string, string[]>,
): Promise<void> {
  const room = configurableRoom(bridge, localpart);
  const patch: StoredHistorySettings = room.archive !== undefined ? settings.parse(values) : {};
  if (bridge.roomConfig?.submit) await bridge.roomConfig.submit(user, localpart, values);
  if (room.archive !== undefined && Object.keys(patch).length > 0) settings.setRoom(user, room.archive, patch);
}
