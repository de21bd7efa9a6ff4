/**
 * The IRCv3 commands the bridge writes besides PRIVMSG, as typed lines for the session's throttled
 * queue, and whether the server takes them:
 *
 * - `TAGMSG <target>` with client tags only (message-tags, https://ircv3.net/specs/extensions/message-tags):
 *   `+draft/react` / `+draft/unreact` with `+draft/reply` (https://ircv3.net/specs/client-tags/react),
 *   `+typing` (https://ircv3.net/specs/client-tags/typing). A PRIVMSG carries `+draft/reply`
 *   (https://ircv3.net/specs/client-tags/reply) the same way.
 * - `REDACT <target> <msgid> [:reason]` (draft/message-redaction,
 *   https://ircv3.net/specs/extensions/message-redaction).
 *
 * A server without message-tags drops client tags, and a TAGMSG is an unknown command there; a
 * client tag in the server's CLIENTTAGDENY is not relayed. Callers check `canSendTag` first and
 * take the documented fallback otherwise.
 */
import type { ClientTagFields } from './events.js';
import type { Isupport } from './isupport.js';
import { isSafeMiddle } from './line.js';

/** One command for `IrcSession.sendLine`. */
export interface OutLine {
  command: string;
  params: string[];
  tags: Record<string, string>;
}

/** Our client tag fields as wire tags (`+draft/reply`, `+draft/react`, `+draft/unreact`, `+typing`). */
export function clientTags(fields: ClientTagFields): Record<string, string> {
  return {
    ...(fields.reply !== undefined ? { '+draft/reply': fields.reply } : {}),
    ...(fields.react !== undefined ? { '+draft/react': fields.react } : {}),
    ...(fields.unreact !== undefined ? { '+draft/unreact': fields.unreact } : {}),
    ...(fields.typing !== undefined ? { '+typing': fields.typing } : {}),
  };
}

export function tagmsg(target: string, fields: ClientTagFields): OutLine {
  return { command: 'TAGMSG', params: [target], tags: clientTags(fields) };
}

/** A msgid is a middle parameter: one that is not (a space, a leading ':') throws. */
export function redact(target: string, msgid: string, reason?: string): OutLine {
  if (!isSafeMiddle(msgid)) throw new Error(`unsafe msgid ${JSON.stringify(msgid)} in REDACT`);
  return { command: 'REDACT', params: reason ? [target, msgid, reason] : [target, msgid], tags: {} };
}

/** What one connection may send, from its acknowledged capabilities and ISUPPORT. */
export interface Ircv3Support {
  caps: ReadonlySet<string>;
  isupport: Isupport;
}

/** Whether the server relays the client tag `name` (`+draft/react`, `+typing`, …). */
export function canSendTag(conn: Ircv3Support | undefined, name: string): boolean {
  return !!conn && conn.caps.has('message-tags') && conn.isupport.clientTagAllowed(name);
}

/** Whether the server takes REDACT. */
export function canRedact(conn: Ircv3Support | undefined): boolean {
  return !!conn && conn.caps.has('draft/message-redaction');
}
