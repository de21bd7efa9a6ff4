/** The outbox worker's call of `Bridge.send`, with the core's part of a room leave (design.md §4a). */
import type { Bridge, SendOptions, SendResult } from './bridge.js';
import type { Outbound } from './model.js';
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
