/**
 * A session's rooms (their join state is RoomJoins', join-state.ts) and everything else that writes
 * their IRC-side state: the connection lost or ended, our own PART or KICK, the topic, channel and
 * member modes, members' host and away state. What changes is told to the core's rooms (ctx.rooms,
 * design.md §4a), which render XEP-0045.
 */
import { noteBan } from './bans.js';
import type { Isupport } from './client/isupport.js';
import type { ModeChange } from './modes.js';
import { RoomJoins } from './join-state.js';
import type { Member } from './member.js';
import { roomMembers, type Room } from './room.js';

export class SessionRooms extends RoomJoins {
  /**
   * The connection dropped: each room's members leave the resources' view (with `status` for their
   * self-presence; without it nothing is told: the rooms are about to end) and the rooms await the rejoin.
   */
  async lost(status: string | undefined): Promise<void> {
    const s = this.s;
    for (const [key, room] of this) {
      if (status !== undefined)
        await s.xmppRooms.lost(
          s.user,
          room.localpart,
          [...roomMembers(room).values()].map((m) => this.occupant(m)),
          status,
        );
      // The list stays with the sessions still in the channel; ours comes back with the rejoin's NAMES.
      this.detach(key, room);
      room.joined = false;
    }
  }

  /** Every room ends for good for its resources (banned, out of reconnect attempts, the user's QUIT), and is forgotten. */
  async end(status: string): Promise<void> {
    for (const room of this.values()) await this.s.xmppRooms.ended(this.s.user, room.localpart, status);
    this.clear();
  }

  /** Our own PART or KICK: the room ends, and a persistent channel is no longer rejoined at start. */
  forget(room: Room): void {
    this.delete(this.s.fold(room.channel));
    this.s.deps.channels.update(this.s.user, this.s.deps.networkName, room.channel, { localpart: undefined });
  }

  /** TOPIC (or RPL_TOPIC / RPL_TOPICWHOTIME while joining, `announce` false): the room's subject. */
  async topic(channel: string, topic: string | undefined, by: string | undefined, announce: boolean): Promise<void> {
    const room = this.s.room(channel);
    if (!room) return;
    if (topic !== undefined) room.topic = topic;
    if (by !== undefined && (announce || by)) room.topicBy = by;
    if (announce) await this.s.xmppRooms.subject(this.s.user, room.localpart, room.topic ?? '', by);
  }

  /** A member's user and host (RPL_WHOREPLY: only when not known yet; IRCv3 chghost: always), in every room it is in, or only `channel`. */
  memberHost(nick: string, user: string | undefined, host: string | undefined, only?: { channel: string; unknown: boolean }): Member | undefined {
    let found: Member | undefined;
    for (const room of only ? [this.s.room(only.channel)] : this.values()) {
      const m = room?.roster?.get(this.s.fold(nick));
      if (!m) continue;
      found = m;
      if (user && host && (!only?.unknown || !m.user)) Object.assign(m, { user, host });
    }
    return found;
  }

  /** MODE on a channel: its key and ban list, and members' prefix modes; returns the members whose role changed. */
  applyModes(room: Room, isupport: Isupport, changes: readonly ModeChange[]): Set<Member> {
    const fold = (x: string) => this.s.fold(x);
    const touched = new Set<Member>();
    for (const ch of changes) {
      if (ch.mode === 'k') room.key = ch.adding ? ch.param : undefined;
      if (ch.mode === 'b' && ch.param !== undefined) noteBan(room, ch.param, ch.adding, fold);
      if (!isupport.prefixForMode(ch.mode) || ch.param === undefined) continue;
      const m = room.roster?.get(fold(ch.param));
      if (!m) continue;
      if (ch.adding) m.modes.add(ch.mode);
      else m.modes.delete(ch.mode);
      touched.add(m);
    }
    return touched;
  }

  /**
   * Another IRC user's away state as occupant presence (RFC 1459 has no presence; IRCv3
   * away-notify, https://ircv3.net/specs/extensions/away-notify, and RPL_AWAY 301 tell it):
   * away → `show` away with the message as status; back (`text` '') → available. `always`: tell
   * the user even when the shared member list already has this state (another session applied the
   * same away-notify first); otherwise only a change is shown.
   */
  async setAway(nick: string, text: string, always: boolean): Promise<void> {
    const s = this.s;
    for (const room of this.values()) {
      const m = room.roster?.get(s.fold(nick));
      if (!m || (!always && (m.away ?? '') === text)) continue;
      if (text) m.away = text;
      else delete m.away;
      if (room.joined) await s.xmppRooms.occupantChanged(s.user, room.localpart, this.occupant(m));
    }
  }
}
