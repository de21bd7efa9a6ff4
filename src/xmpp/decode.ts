/**
 * A user's stanzas to the component as `Outbound` events (the other half of stanza.ts).
 *
 * What modern clients send besides a body (issue 12), read here once for every bridge:
 * - XEP-0424 retraction (1.x `<retract id/>`, 0.x fastening) → `retraction`; its XEP-0428
 *   fallback body is never read. The bridge decides: unsend, or refuse with what happened.
 * - XEP-0444 reactions → `reaction` (the whole current set); the fallback body (Conversations
 *   sends a quote and the emoji) is never read.
 * - XEP-0461 reply → `replyTo` on the message, with the quote (XEP-0428 ranges) removed.
 * - XEP-0085: a standalone chat state → `chatstate`; one on a message with a body is implied by
 *   the message (§5.1: a message is `active`), so only the message goes on.
 */
import type { Element } from 'ltx';
import { StanzaError } from '../core/errors.js';
import type { HistoryRequest, Oob, Outbound } from '../core/model.js';
import { bodyWithoutFallbacks, isRetraction } from './fallback.js';
import { readChatState, readReactions, readReply, readRetraction } from './message-refs.js';
import { NS } from './ns.js';

/** Where a stanza came from and went to, once parsed and checked by the pipeline. */
export interface Route {
  user: string;
  resource?: string;
  /** Local part of the `to` JID. */
  to: string;
  toResource?: string;
}

function base(route: Route, el: Element) {
  const originId = el.getChild('origin-id', NS.sid)?.attrs.id;
  return {
    user: route.user,
    to: route.to,
    ...(route.resource ? { resource: route.resource } : {}),
    ...(route.toResource ? { toResource: route.toResource } : {}),
    ...(el.attrs.id ? { id: el.attrs.id } : {}),
    ...(originId ? { originId } : {}),
  };
}

function readOob(el: Element): Oob[] {
  return el
    .getChildren('x', NS.oob)
    .map((x) => ({ url: x.getChildText('url')?.trim() ?? '', desc: x.getChildText('desc') ?? undefined }))
    .filter((o) => /^https?:\/\//i.test(o.url))
    .map((o) => (o.desc ? { url: o.url, desc: o.desc } : { url: o.url }));
}

/**
 * A `<message/>` from a user as an outbound event, or undefined when there is nothing to send
 * (markers and receipts alone). Throws `bad-request` for a retraction or reactions element that
 * names no message, and `feature-not-implemented` for a message that is only a fallback for
 * something the gateway does not handle (fallback.ts).
 */
export function decodeMessage(el: Element, route: Route): Outbound | undefined {
  const b = base(route, el);
  const rawType = el.attrs.type;
  const type = rawType === 'groupchat' ? 'groupchat' : rawType === 'normal' ? 'normal' : 'chat';
  const invite = el.getChild('x', NS.mucUser)?.getChild('invite');
  if (invite?.attrs.to) {
    const reason = invite.getChildText('reason');
    return { ...b, kind: 'invite', invitee: invite.attrs.to, ...(reason ? { reason } : {}) };
  }
  if (isRetraction(el)) {
    const retracts = readRetraction(el);
    if (retracts === undefined) throw new StanzaError('bad-request', 'A retraction must name the message it retracts (XEP-0424: <retract id="…"/>).');
    return { ...b, kind: 'retraction', type, retracts };
  }
  if (el.getChild('reactions', NS.reactions)) {
    const reactions = readReactions(el);
    if (!reactions) throw new StanzaError('bad-request', 'Reactions must name the message they react to (XEP-0444: <reactions id="…">).');
    return { ...b, kind: 'reaction', type, reactsTo: reactions.id, emojis: reactions.emojis };
  }
  const body = bodyWithoutFallbacks(el, el.getChildText('body'));
  const subject = el.getChildText('subject');
  if (type === 'groupchat' && subject !== null && body === null) {
    return { ...b, kind: 'subject', subject };
  }
  const oob = readOob(el);
  if (body === null && oob.length === 0) {
    const state = subject === null ? readChatState(el) : undefined;
    // XEP-0085 §5.5: a standalone notification. `normal` messages carry none (§5.1): read as chat.
    return state ? { ...b, kind: 'chatstate', type: type === 'groupchat' ? 'groupchat' : 'chat', state } : undefined;
  }
  const replace = el.getChild('replace', NS.correct)?.attrs.id;
  if (replace && body !== null) return { ...b, kind: 'correction', type, replaces: replace, body };
  const thread = el.getChildText('thread');
  const replyTo = readReply(el);
  return {
    ...b,
    kind: 'message',
    type,
    body: body ?? oob.map((o) => o.url).join('\n'),
    ...(subject !== null ? { subject } : {}),
    ...(thread ? { thread } : {}),
    ...(oob.length ? { oob } : {}),
    receiptRequested: el.getChild('request', NS.receipts) !== undefined,
    ...(replyTo ? { replyTo } : {}),
  };
}

function readHistory(x: Element): HistoryRequest | undefined {
  const h = x.getChild('history');
  if (!h) return undefined;
  const num = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined);
  const since = h.attrs.since ? new Date(h.attrs.since) : undefined;
  const out: HistoryRequest = {};
  const maxchars = num(h.attrs.maxchars);
  const maxstanzas = num(h.attrs.maxstanzas);
  const seconds = num(h.attrs.seconds);
  if (maxchars !== undefined) out.maxchars = maxchars;
  if (maxstanzas !== undefined) out.maxstanzas = maxstanzas;
  if (seconds !== undefined) out.seconds = seconds;
  if (since && !Number.isNaN(since.getTime())) out.since = since.toISOString();
  return out;
}

/**
 * A presence to a room occupant JID (XEP-0045): with `<x xmlns='…muc'/>` a join (§7.2), an
 * unavailable one a leave (§7.14), otherwise a nick change (§7.6) — a bridge that sees a nick
 * change from a resource that has not joined treats it as a join (old clients omit `<x/>`).
 */
export function decodeRoomPresence(el: Element, route: Route): Outbound | undefined {
  const b = base(route, el);
  const status = el.getChildText('status') ?? undefined;
  if (el.attrs.type === 'unavailable') return { ...b, kind: 'leave', ...(status ? { status } : {}) };
  if (el.attrs.type !== undefined) return undefined;
  const nick = route.toResource;
  if (!nick) return undefined;
  const x = el.getChild('x', NS.muc);
  if (x) {
    const password = x.getChildText('password');
    const history = readHistory(x);
    return { ...b, kind: 'join', nick, ...(password !== null ? { password } : {}), ...(history ? { history } : {}) };
  }
  return { ...b, kind: 'nick', nick };
}
