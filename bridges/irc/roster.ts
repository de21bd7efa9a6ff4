/**
 * One member list per (network, channel), shared by every session joined to that channel, so K
 * bridged users in one channel cost O(K) memory, not K copies of a K-member list (biboumi keeps
 * one per user: O(K²)).
 *
 * Every session's connection receives the same channel events in the same order (RFC 2812 §3.2:
 * the server relays each JOIN/PART/KICK/NICK/MODE to every member), so each session applies
 * them and the operations are idempotent: the list converges on the last session's view. A
 * session that reads an event after another one already applied it must still tell its own user,
 * with the member's modes: members who left or changed nick stay a while as `departed`.
 */
import type { Member } from './member.js';

/** How long a member who left is remembered for sessions reading the event late (ms). */
const DEPARTED_MS = 60_000;

export class ChannelRoster {
  readonly members = new Map<string, Member>();
  /** A WHO for the away state was asked for this list (by the first session in the channel). */
  whoAsked = false;
  /** Members were refused because the list is at its bound (config `bounds.channel_members`). */
  truncated = false;
  private readonly departed = new Map<string, { member: Member; at: number }>();

  constructor(
    private readonly now: () => number = Date.now,
    /** Members kept at most; JOINs beyond it are not listed (a hostile server cannot grow the list). */
    readonly cap = 10_000,
  ) {}

  get size(): number {
    return this.members.size;
  }

  get(key: string): Member | undefined {
    return this.members.get(key);
  }

  /** In the channel, or left so recently that a session may not have read it yet. */
  knows(key: string): boolean {
    return this.members.has(key) || this.departed.has(key);
  }

  /** A JOIN: the member (the one already there when another session applied it first); undefined when the list is full. */
  join(key: string, member: Member): Member | undefined {
    this.departed.delete(key);
    const known = this.members.get(key);
    if (known) {
      if (member.user && member.host) Object.assign(known, { user: member.user, host: member.host });
      return known;
    }
    if (this.members.size >= this.cap) {
      this.truncated = true;
      return undefined;
    }
    this.members.set(key, member);
    return member;
  }

  /** A PART, QUIT or KICK: the member who left (also when another session removed it first). */
  leave(key: string): Member | undefined {
    const m = this.members.get(key);
    if (!m) return this.departed.get(key)?.member;
    this.members.delete(key);
    this.remember(key, m);
    return m;
  }

  /** A NICK change: the renamed member (also when another session renamed it first). */
  rename(oldKey: string, newKey: string, newNick: string): Member | undefined {
    const m = this.members.get(oldKey);
    if (!m) return this.departed.has(oldKey) ? this.members.get(newKey) : undefined;
    this.members.delete(oldKey);
    if (oldKey !== newKey) this.remember(oldKey, m);
    m.nick = newNick;
    this.members.set(newKey, m);
    return m;
  }

  /** A NAMES reply completing a join: the list as the server has it now (user@host kept), at most `cap` of them. */
  replace(names: ReadonlyMap<string, Member>, truncated = false): void {
    this.truncated = truncated;
    for (const [key, m] of names) {
      const known = this.members.get(key);
      if (known?.user) Object.assign(m, { user: known.user, host: known.host });
      if (known?.away) m.away = known.away;
    }
    this.members.clear();
    for (const [key, m] of names) this.members.set(key, m);
  }

  private remember(key: string, member: Member): void {
    const now = this.now();
    for (const [k, d] of this.departed) {
      // insertion order = age order; a flood of distinct nicks leaving is bounded like the list.
      if (now - d.at < DEPARTED_MS && this.departed.size < this.cap) break;
      this.departed.delete(k);
    }
    this.departed.delete(key);
    this.departed.set(key, { member, at: now });
  }
}

/** The rosters of one network, each kept while at least one session is joined to its channel. */
export class RosterRegistry {
  private readonly rosters = new Map<string, { roster: ChannelRoster; holders: Set<object> }>();

  /** `cap`: members kept per channel (config `bounds.channel_members`). */
  constructor(private readonly cap = 10_000) {}

  /** `key`: the channel, folded by the network's CASEMAPPING. */
  acquire(key: string, holder: object): ChannelRoster {
    let entry = this.rosters.get(key);
    if (!entry) {
      entry = { roster: new ChannelRoster(Date.now, this.cap), holders: new Set() };
      this.rosters.set(key, entry);
    }
    entry.holders.add(holder);
    return entry.roster;
  }

  release(key: string, holder: object): void {
    const entry = this.rosters.get(key);
    if (!entry) return;
    entry.holders.delete(holder);
    if (entry.holders.size === 0) this.rosters.delete(key);
  }

  /** Member entries over every list (tests, memory accounting). */
  entries(): number {
    let n = 0;
    for (const { roster } of this.rosters.values()) n += roster.size;
    return n;
  }
}
