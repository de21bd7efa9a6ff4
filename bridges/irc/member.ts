/**
 * A member of an IRC channel as the bridge keeps it: in a session's room (room.ts) and in the
 * channel's member list shared by the sessions in it (roster.ts). Its own module so that neither
 * of those imports the other for it (no import cycle, typed or not: design.md §4b, issue 11).
 */
export interface Member {
  nick: string;
  /** Membership mode letters (`o`, `v`, …). */
  modes: Set<string>;
  user?: string;
  host?: string;
  /** Away message (IRCv3 away-notify, RPL_AWAY); absent when present. */
  away?: string;
}
