/**
 * What a connection's loss and return mean for every room of a session, told to the core's rooms
 * (ctx.rooms): the room lost for now (occupants gone, the resources told), ended for good, and the
 * rejoin once the connection is back.
 */
import { roomMembers, type Room } from './room.js';
import type { IrcSession } from './session.js';

/**
 * The connection dropped: each room's members leave the resources' view (with `status` for their
 * self-presence; without it nothing is told: the rooms are about to end) and the rooms await the rejoin.
 */
export async function roomsLost(s: IrcSession, status: string | undefined): Promise<void> {
  for (const [key, room] of s.rooms) {
    if (status !== undefined) await s.xmppRooms.lost(s.user, room.localpart, [...roomMembers(room).values()].map((m) => s.occupant(m)), status);
    // The list stays with the sessions still in the channel; ours comes back with the rejoin's NAMES.
    s.rooms.detach(key, room);
    room.joined = false;
  }
}

/** Every room ends for good for its resources (banned, out of reconnect attempts, the user's QUIT). */
export async function endRooms(s: IrcSession, status: string): Promise<void> {
  for (const room of s.rooms.values()) await s.xmppRooms.ended(s.user, room.localpart, status);
}

/** JOIN again after a reconnect; NAMES + 366 complete it for every resource (join-state.ts). */
export function rejoin(s: IrcSession, room: Room): void {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const done = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  room.pending = { resource: '', requestedNick: s.nick, names: new Map(), resolve, reject, done };
  done.catch((err: Error) => s.ctx.log.warn({ event: 'rejoin-failed', channel: room.channel, err: err.message }, 'rejoin failed'));
  void s.sendLine('JOIN', room.key ? [room.channel, room.key] : [room.channel]).catch(() => undefined);
}
