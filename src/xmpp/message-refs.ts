/**
 * The payloads of a user's message that point at another message or carry no text: XEP-0461
 * replies, XEP-0424 retractions (1.x and the 0.x fastening), XEP-0444 reactions and XEP-0085
 * chat states. Each reader returns undefined for an element it cannot use (no target id): the
 * message is then read as if the element were not there, as the receiving clients do.
 */
import type { Element } from 'ltx';
import type { ChatState, ReplyRef } from '../core/model.js';
import { FASTEN_NS, RETRACT_NS, RETRACT_V0_NS } from './fallback.js';
import { NS } from './ns.js';

/** Bounds on what a hostile reactions element can make the gateway store and forward. */
export const MAX_REACTIONS = 32;
/** An emoji with skin tone and ZWJ sequences is a handful of code points; 32 is generous. */
export const MAX_REACTION_POINTS = 32;

const CHAT_STATES: readonly ChatState[] = ['active', 'composing', 'paused', 'inactive', 'gone'];

function usableId(id: string | undefined): string | undefined {
  return id !== undefined && id.trim() !== '' ? id : undefined;
}

/** XEP-0461 §3: `<reply to='…' id='…'/>`; `to` is optional (§3: the author, when known). */
export function readReply(message: Element): ReplyRef | undefined {
  const reply = message.getChild('reply', NS.reply);
  const id = usableId(reply?.attrs.id);
  if (!reply || id === undefined) return undefined;
  return { id, ...(reply.attrs.to ? { to: reply.attrs.to as string } : {}) };
}

/**
 * XEP-0424 §3 (1.x): `<retract xmlns='urn:xmpp:message-retract:1' id='…'/>` names the message;
 * up to 0.3 it was fastened (XEP-0422): `<apply-to id='…'><retract xmlns='…:0'/></apply-to>`.
 */
export function readRetraction(message: Element): string | undefined {
  const id = usableId(message.getChild('retract', RETRACT_NS)?.attrs.id);
  if (id !== undefined) return id;
  const fastened = message.getChildren('apply-to', FASTEN_NS).find((a) => a.getChild('retract', RETRACT_V0_NS) !== undefined);
  return usableId(fastened?.attrs.id);
}

/**
 * XEP-0444 §3: `<reactions id='…'>` with one `<reaction>` per emoji, the sender's whole current
 * set (empty = all removed). Emojis are trimmed (nbxmpp does the same), empty and duplicate ones
 * dropped, and the set is bounded.
 */
export function readReactions(message: Element): { id: string; emojis: string[] } | undefined {
  const reactions = message.getChild('reactions', NS.reactions);
  const id = usableId(reactions?.attrs.id);
  if (!reactions || id === undefined) return undefined;
  const emojis = new Set<string>();
  for (const r of reactions.getChildren('reaction')) {
    const emoji = r.getText().trim();
    if (emoji === '' || Array.from(emoji).length > MAX_REACTION_POINTS) continue;
    emojis.add(emoji);
    if (emojis.size >= MAX_REACTIONS) break;
  }
  return { id, emojis: [...emojis] };
}

/** XEP-0085 §5: the chat state element of a message, if any (the first one, if a client sent several). */
export function readChatState(message: Element): ChatState | undefined {
  return message.getChildElements().find((c) => c.attrs.xmlns === NS.chatStates && (CHAT_STATES as readonly string[]).includes(c.name))?.name as
    | ChatState
    | undefined;
}
