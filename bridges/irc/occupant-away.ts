/**
 * Other IRC users' away state as occupant presence (RFC 1459 has no presence; IRCv3 away-notify,
 * https://ircv3.net/specs/extensions/away-notify, sends `AWAY :text` / `AWAY` for users sharing a
 * channel with us; RPL_AWAY 301 tells it when we message an away user). Away → `show` away with the
 * away message as status; back → available without show. Only changes are sent.
 */
import type { IrcSession } from './session.js';

/**
 * `text` '' = back. `always`: tell the user even when the shared member list already has this
 * state (another session applied the same away-notify first); otherwise only a change is shown.
 */
export async function onOccupantAway(s: IrcSession, nick: string, text: string, always: boolean): Promise<void> {
  for (const room of s.rooms.values()) {
    const m = room.roster?.get(s.fold(nick));
    if (!m || (!always && (m.away ?? '') === text)) continue;
    if (text) m.away = text;
    else delete m.away;
    if (room.joined) await s.xmppRooms.occupantChanged(s.user, room.localpart, s.occupant(m));
  }
}
