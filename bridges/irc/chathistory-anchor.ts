/**
 * The pure parts of fetching missed messages with IRCv3 draft/chathistory
 * (https://ircv3.net/specs/extensions/chathistory): where a request starts (the last archived
 * message, by msgid or by time), how many it asks, and which replayed messages the archive
 * already holds.
 */
import type { ArchiveEntry } from '../../src/core/archive-query.js';
import { isSafeMiddle } from './client/line.js';

/**
 * Archive ids the gateway made itself (crypto.randomUUID, for a line with no IRCv3 msgid, or a
 * reflection without echo-message): they name nothing on the server, so the request goes by time.
 */
const OWN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/**
 * The message reference a `CHATHISTORY AFTER` starts from: `msgid=<id>` of the last archived
 * message when the server gave it that id and takes msgids (ISUPPORT MSGREFTYPES, when
 * advertised, lists `msgid`), else `timestamp=<its time>`; with nothing archived, the time the
 * connection was last seen up (`seen`); undefined when neither is known (nothing to ask from).
 */
export function anchorOf(last: ArchiveEntry | undefined, seen: string | undefined, msgRefTypes: readonly string[]): string | undefined {
  if (last) {
    const byMsgid = (msgRefTypes.length === 0 || msgRefTypes.includes('msgid')) && !last.outgoing && !OWN_ID.test(last.id) && isSafeMiddle(`msgid=${last.id}`);
    return byMsgid ? `msgid=${last.id}` : `timestamp=${isoMillis(last.stamp)}`;
  }
  return seen === undefined ? undefined : `timestamp=${isoMillis(seen)}`;
}

/** The spec's timestamp format, `YYYY-MM-DDThh:mm:ss.sssZ` (UTC, milliseconds). */
export function isoMillis(stamp: string): string {
  const t = Date.parse(stamp);
  return Number.isNaN(t) ? new Date(0).toISOString() : new Date(t).toISOString();
}

/** Messages asked in one request: ours, or fewer when the server's ISUPPORT CHATHISTORY is lower (0 there means no limit). */
export function requestLimit(configured: number, serverMax: number | undefined): number {
  return serverMax !== undefined && serverMax > 0 ? Math.min(configured, serverMax) : configured;
}

/** One replayed message as the archive would hold it. */
export interface ReplayedMessage {
  msgid?: string;
  /** Sent by the user (an echo of our own line, or sent from another client of a bouncer). */
  own: boolean;
  body: string;
}

/**
 * Which replayed messages are new (true), in order. A message is already there when the archive
 * (or an earlier line of the same reply) has its msgid, or, for the user's own lines, which the
 * archive may hold under an id of ours (no echo-message), when a recent archived line of the user
 * has the same text (each archived line matches once). `ownNick(e)` says whether an archived
 * entry is the user's.
 */
export function newMessages(
  replayed: readonly ReplayedMessage[],
  archived: readonly ArchiveEntry[],
  ownNick: (e: ArchiveEntry) => boolean,
  recent: number,
): boolean[] {
  const ids = new Set(archived.map((e) => e.id));
  const ownBodies = new Map<string, number>();
  for (const e of archived.slice(-recent)) if (e.outgoing || ownNick(e)) ownBodies.set(e.body, (ownBodies.get(e.body) ?? 0) + 1);
  return replayed.map((m) => {
    if (m.msgid !== undefined) {
      if (ids.has(m.msgid)) return false;
      ids.add(m.msgid);
    }
    if (!m.own) return true;
    const n = ownBodies.get(m.body) ?? 0;
    if (n === 0) return true;
    ownBodies.set(m.body, n - 1);
    return false;
  });
}
