/**
 * XEP-0045 occupant presences, the one place that writes MUC status codes (design.md §4a). The
 * core's rooms (src/core/rooms.ts) call these with what a bridge reported; stanza.ts encodes them.
 *
 * Codes (XEP-0045 §15.6.2): 110 self-presence, 100 the room is non-anonymous (with the self-presence
 * of a join, §7.2.2), 210 the service changed the nick (§7.2.14), 301 banned (§9.1), 303 nick
 * change (§7.6), 307 kicked (§8.2), 332 removed because the service is going down or the room ended (§9.3).
 */
import type { Inbound, MucUser } from '../core/model.js';
import type { Occupant } from '../core/room-types.js';

export const MUC_STATUS = { self: 110, nonAnonymous: 100, nickAssigned: 210, banned: 301, nickChange: 303, kicked: 307, shutdown: 332 } as const;

type Presence = Extract<Inbound, { kind: 'presence' }>;

/** Where a presence goes: the user's resource, from the room's local part. */
export interface MucTarget {
  user: string;
  room: string;
  resource: string;
}

interface PresenceOptions {
  type?: 'available' | 'unavailable';
  codes?: number[];
  status?: string;
  /** Shown instead of the occupant's own JID (the user's full JID on their self-presence). */
  jid?: string;
  /** The new nick of a 303 unavailable presence. */
  newNick?: string;
  kick?: { actor: string; reason?: string };
}

/** The presence of occupant `o` as resource `t.resource` sees it. */
export function occupantPresence(t: MucTarget, o: Occupant, opts: PresenceOptions = {}): Presence {
  const unavailable = opts.type === 'unavailable';
  const jid = opts.jid ?? o.jid;
  const muc: MucUser = {
    affiliation: o.affiliation,
    // §7.14: an occupant leaving has role none; a 303 unavailable keeps the role it has under the new nick.
    role: unavailable && !opts.newNick ? 'none' : o.role,
    codes: opts.codes ?? [],
    ...(jid ? { jid } : {}),
    ...(opts.newNick ? { nick: opts.newNick } : {}),
    ...(opts.kick ? { actor: opts.kick.actor, ...(opts.kick.reason ? { reason: opts.kick.reason } : {}) } : {}),
  };
  const status = opts.status ?? (unavailable ? undefined : o.away);
  return {
    kind: 'presence',
    user: t.user,
    from: t.room,
    fromResource: o.nick,
    toResource: t.resource,
    type: unavailable ? 'unavailable' : 'available',
    ...(!unavailable && o.away ? { show: 'away' as const } : {}),
    ...(status ? { status } : {}),
    muc,
  };
}

/** The user's own occupant as one of their resources sees it: its full JID, and `codes` (default: 110). */
export function selfPresence(t: MucTarget, self: Occupant, opts: PresenceOptions = {}): Presence {
  return occupantPresence(t, self, { ...opts, codes: opts.codes ?? [MUC_STATUS.self], jid: `${t.user}/${t.resource}` });
}

/** §7.2.2 / §7.2.14: the self-presence that completes a join (110, 100, and 210 when the nick was changed). */
export function joinSelfPresence(t: MucTarget, self: Occupant, nickAssigned: boolean, status?: string): Presence {
  const codes: number[] = [MUC_STATUS.self, MUC_STATUS.nonAnonymous, ...(nickAssigned ? [MUC_STATUS.nickAssigned] : [])];
  return selfPresence(t, self, { codes, ...(status ? { status } : {}) });
}

/** §7.6: the 303 pair of a nick change (self: with 110 on both). */
export function renamePresences(t: MucTarget, o: Occupant, newNick: string, isSelf: boolean): [Presence, Presence] {
  const renamed = { ...o, nick: newNick };
  if (isSelf) {
    return [selfPresence(t, o, { type: 'unavailable', codes: [MUC_STATUS.nickChange, MUC_STATUS.self], newNick }), selfPresence(t, renamed)];
  }
  return [occupantPresence(t, o, { type: 'unavailable', codes: [MUC_STATUS.nickChange], newNick }), occupantPresence(t, renamed)];
}

/** §7.14 / §8.2 / §9.1: an occupant leaves, is kicked (307) or banned (301, affiliation outcast); self adds 110. */
export function leavePresence(
  t: MucTarget,
  o: Occupant,
  isSelf: boolean,
  opts: { status?: string; kick?: { actor: string; reason?: string; banned?: boolean } },
): Presence {
  const removed = opts.kick ? [opts.kick.banned ? MUC_STATUS.banned : MUC_STATUS.kicked] : [];
  const codes: number[] = [...removed, ...(isSelf ? [MUC_STATUS.self] : [])];
  const kick = opts.kick ? { actor: opts.kick.actor, ...(opts.kick.reason ? { reason: opts.kick.reason } : {}) } : undefined;
  const base: PresenceOptions = { type: 'unavailable', codes, ...(opts.status ? { status: opts.status } : {}), ...(kick ? { kick } : {}) };
  const shown = opts.kick ? { ...o, affiliation: opts.kick.banned ? ('outcast' as const) : ('none' as const) } : o;
  return isSelf ? selfPresence(t, shown, base) : occupantPresence(t, shown, base);
}

/** §9.3: the room is gone for this resource (the service went down or the network removed the user): 110 + 332. */
export function endedPresence(t: MucTarget, nick: string, status: string): Presence {
  const o: Occupant = { nick, role: 'none', affiliation: 'none' };
  return {
    ...occupantPresence(t, o, { type: 'unavailable', codes: [MUC_STATUS.self, MUC_STATUS.shutdown], status }),
    muc: { affiliation: 'none', role: 'none', codes: [MUC_STATUS.self, MUC_STATUS.shutdown] },
  };
}
