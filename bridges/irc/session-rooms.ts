/**
 * What a connection's loss and return mean for every room of a session: occupants gone, a
 * self-presence telling each resource (XEP-0045 110, or 110 + 332 when the room ends for good),
 * and the rejoin once the connection is back.
 */
import type { IrcConnection } from './connection.js';
import { memberMuc, occupantPresence, roomMembers, type Room } from './room.js';
import type { IrcSession } from './session.js';

/** The connection dropped: every other occupant leaves each resource's view; rooms await the rejoin. */
export async function roomsLost(s: IrcSession, conn: IrcConnection): Promise<void> {
  for (const [key, room] of s.rooms) {
    for (const r of room.resources) {
      for (const m of roomMembers(room).values()) {
        if (s.isSelf(m.nick)) continue;
        await s.deliver(occupantPresence({ user: s.user, room, toResource: r }, m.nick, 'unavailable', memberMuc(conn.isupport, m, { codes: [] })));
      }
    }
    // The list stays with the sessions still in the channel; ours comes back with the rejoin's NAMES.
    s.rooms.detach(key, room);
    room.joined = false;
  }
}

/** A self-presence with `status` to every joined resource: connection news (110), or the end of every room (110, 332). */
export async function tellRooms(s: IrcSession, type: 'available' | 'unavailable', status: string): Promise<void> {
  const muc = type === 'available' ? { affiliation: 'none' as const, role: 'participant' as const, codes: [110] } : { affiliation: 'none' as const, role: 'none' as const, codes: [110, 332] };
  for (const room of s.rooms.values()) {
    for (const r of room.resources) await s.deliver(occupantPresence({ user: s.user, room, toResource: r }, s.nick, type, muc, status));
  }
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
