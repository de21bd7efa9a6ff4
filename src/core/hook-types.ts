/**
 * What the optional hooks of a Bridge (bridge.ts) take and return: XEP-0059 pages of items,
 * the user's presence, room information and XEP-0313 archive queries. Re-exported by bridge.ts.
 */
import type { ReplyRef } from './model.js';

/** XEP-0059 result set management request, for hooks that list things. */
export interface PageRequest {
  max?: number;
  after?: string;
  before?: string;
  index?: number;
}

export interface ItemsPage {
  items: Array<{ localpart: string; name?: string }>;
  /** Total number of items, when known. */
  count?: number;
  /** Index of the first item in the full list. */
  firstIndex?: number;
}

/** The user's presence as the bridge sees it. */
export interface UserPresence {
  available: boolean;
  show?: 'away' | 'chat' | 'dnd' | 'xa';
  status?: string;
}

export interface RoomInfo {
  name?: string;
  occupants?: number;
  subject?: string;
}

/** XEP-0313 query: time bounds, peer filter and XEP-0059 paging (ids are the archive's ids). */
export interface ArchiveQuery {
  start?: string;
  end?: string;
  with?: string;
  page: PageRequest;
}

export interface ArchivedMessage {
  /** Archive id (also the stanza-id the message was delivered with). */
  id: string;
  /** ISO 8601 timestamp. */
  stamp: string;
  /** Occupant nick (rooms) of the sender. */
  fromResource?: string;
  /** Local part of the sender when it is not the queried JID. */
  from?: string;
  type: 'chat' | 'groupchat';
  body: string;
  /** Sent by the user to the queried JID (a private conversation): rendered from the user's JID. */
  outgoing?: boolean;
  /** XEP-0359 origin-id of the user's own message, when it differs from `id`. */
  originId?: string;
  /** XEP-0461: the message answers this one (`to`: a local part with an optional resource). */
  replyTo?: ReplyRef;
  /** XEP-0424 §6: a tombstone (no body) of a retracted message: when, and the retraction's id. */
  retracted?: { stamp: string; id?: string };
}

export interface ArchivePage {
  messages: ArchivedMessage[];
  /** True when the page reaches the end of the result set (XEP-0313 `complete`). */
  complete: boolean;
  count?: number;
  firstIndex?: number;
}
