/**
 * The outbox worker's call of `Bridge.send`, with the core's part of a room leave (design.md §4a),
 * and the error stanza that answers an outbound event the bridge refused.
 */
import type { Bridge, SendOptions, SendResult } from './bridge.js';
import type { StanzaError } from './errors.js';
import type { Inbound, Outbound } from './model.js';
import type { CoreRooms } from './rooms.js';

/**
 * `Bridge.send` as the outbox worker calls it, with the core's part of a leave around it (§7.14):
 * a resource that is not the user's last in the room leaves here; the last one goes to the bridge,
 * then gets its unavailable self-presence.
 */
export async function sendThroughRooms(bridge: Pick<Bridge, 'send'>, rooms: CoreRooms | undefined, event: Outbound, options: SendOptions): Promise<SendResult> {
  if (event.kind === 'leave' && rooms?.leave(event) === 'done') return {};
  const result = await bridge.send(event, options);
  if (event.kind === 'leave') rooms?.left(event, result.status);
  return result;
}

const PRESENCE_KINDS = new Set<Outbound['kind']>(['join', 'leave', 'nick']);

/**
 * The error stanza (RFC 6120 §8.3) for an event the bridge refused, with the event's id: a join
 * refused is a presence error from room/nick (XEP-0045 §7.2.5), a refused nick change one from
 * room/newnick (§7.6).
 */
export function errorReport(event: Outbound, err: StanzaError): Extract<Inbound, { kind: 'error' }> {
  return {
    kind: 'error',
    user: event.user,
    from: event.to,
    stanza: PRESENCE_KINDS.has(event.kind) ? 'presence' : 'message',
    condition: err.condition,
    errorType: err.type,
    text: err.code ? `${err.message} (code ${err.code})` : err.message,
    ...(event.toResource ? { fromResource: event.toResource } : {}),
    ...(event.kind === 'join' ? { fromResource: event.nick, mucJoin: true } : {}),
    ...(event.kind === 'nick' ? { fromResource: event.nick } : {}),
    ...(event.resource ? { toResource: event.resource } : {}),
    ...(event.id ? { id: event.id } : {}),
  };
}
