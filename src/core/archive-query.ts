/**
 * Selecting from an archived conversation: the join history a `<history/>` request asks for
 * (XEP-0045 §7.2.15) and a XEP-0313 query with XEP-0059 paging. Pure.
 */
import type { ArchivedMessage, ArchivePage, ArchiveQuery } from './hook-types.js';
import type { HistoryRequest, ReplyRef } from './model.js';

/**
 * XEP-0424 §6: what is left of a retracted message in the archive (a tombstone): when it was
 * retracted and, when known, the id of the retraction. The text and its references are gone.
 */
export interface Retracted {
  /** ISO 8601. */
  stamp: string;
  /** The retraction's id (its stanza-id), when known. */
  id?: string;
}

export interface ArchiveEntry {
  /** Archive id: the XEP-0359 stanza-id the message was delivered with. */
  id: string;
  /** ISO 8601. */
  stamp: string;
  nick: string;
  body: string;
  /** Private conversations: sent by the user (not by the peer). */
  outgoing?: boolean;
  /** XEP-0359 origin-id of the user's own message when it differs from `id` (a retraction may name either). */
  originId?: string;
  /** XEP-0461: the message answers this one. */
  replyTo?: ReplyRef;
  /** XEP-0424 §6: the message was retracted; `body` is empty and `replyTo` gone. */
  retracted?: Retracted;
}

/** XEP-0313 §5.1 does not fix a default page; 100 is the default and also the cap. */
export const MAM_MAX_PAGE = 100;

export function selectHistory(all: ArchiveEntry[], limit: number, req: HistoryRequest | undefined, now: number): ArchiveEntry[] {
  if (req?.maxchars === 0 || req?.maxstanzas === 0) return [];
  let out = all.slice(-Math.max(0, Math.min(limit, req?.maxstanzas ?? limit)));
  if (limit <= 0) out = [];
  if (req?.seconds !== undefined) out = out.filter((e) => Date.parse(e.stamp) >= now - req.seconds! * 1000);
  if (req?.since !== undefined) {
    const since = Date.parse(req.since);
    if (!Number.isNaN(since)) out = out.filter((e) => Date.parse(e.stamp) > since);
  }
  if (req?.maxchars !== undefined) {
    // Counted over the bodies, newest first: whole stanzas only.
    let chars = 0;
    let from = out.length;
    while (from > 0 && chars + out[from - 1]!.body.length <= req.maxchars) chars += out[--from]!.body.length;
    out = out.slice(from);
  }
  return out;
}

/**
 * Filters (start, end, with = occupant JID or nick; `with` means nothing in a private conversation,
 * which has one peer), then XEP-0059 paging by archive id or index.
 */
export function queryEntries(all: ArchiveEntry[], q: ArchiveQuery, type: 'groupchat' | 'chat' = 'groupchat'): ArchivePage {
  const start = q.start ? Date.parse(q.start) : undefined;
  const end = q.end ? Date.parse(q.end) : undefined;
  const withNick = q.with && type === 'groupchat' ? q.with.slice(q.with.indexOf('/') + 1) : undefined;
  const matched = all.filter((e) => {
    const t = Date.parse(e.stamp);
    return (start === undefined || t >= start) && (end === undefined || t <= end) && (withNick === undefined || e.nick === withNick);
  });
  const max = Math.min(q.page.max ?? MAM_MAX_PAGE, MAM_MAX_PAGE);
  let from: number;
  let to: number;
  let backwards = false;
  if (q.page.before !== undefined) {
    backwards = true;
    to = q.page.before === '' ? matched.length : matched.findIndex((e) => e.id === q.page.before);
    if (to < 0) return { messages: [], complete: true, count: matched.length };
    from = Math.max(0, to - max);
  } else {
    if (q.page.after !== undefined) {
      const at = matched.findIndex((e) => e.id === q.page.after);
      if (at < 0) return { messages: [], complete: true, count: matched.length };
      from = at + 1;
    } else from = Math.min(q.page.index ?? 0, matched.length);
    to = Math.min(matched.length, from + max);
  }
  const messages: ArchivedMessage[] = matched.slice(from, to).map((e) => toArchived(e, type));
  return {
    messages,
    // XEP-0313 §4.3: complete when the page reaches the end of the results in the paging direction.
    complete: backwards ? from === 0 : to === matched.length,
    count: matched.length,
    ...(messages.length > 0 ? { firstIndex: from } : {}),
  };
}

/** A room message comes from `room/nick`; a private one from the peer, or from the user (`outgoing`). */
function toArchived(e: ArchiveEntry, type: 'groupchat' | 'chat'): ArchivedMessage {
  const extra = {
    ...(e.originId ? { originId: e.originId } : {}),
    ...(e.replyTo ? { replyTo: e.replyTo } : {}),
    ...(e.retracted ? { retracted: e.retracted } : {}),
  };
  if (type === 'groupchat') return { id: e.id, stamp: e.stamp, fromResource: e.nick, type, body: e.body, ...extra };
  return { id: e.id, stamp: e.stamp, type, body: e.body, ...(e.outgoing ? { outgoing: true } : {}), ...extra };
}
