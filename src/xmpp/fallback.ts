/**
 * XEP-0428 fallback indication and what the gateway does with it: the parts of a body that a
 * sending client marked as fallback for a feature this gateway understands (XEP-0461 reply
 * quotes) are removed before a bridge sees the text, and a message that is nothing but a
 * fallback for something the gateway does not handle (a poll, a moderation, a reply with no
 * text of its own) is refused with `feature-not-implemented` instead of being sent as if it were
 * the message. Retractions and reactions never get here: the decoder turns them into their own
 * events (decode.ts), and their fallback bodies are never read.
 *
 * Offsets count Unicode code points (XEP-0426 §2, which XEP-0428 §2.2 refers to), not the UTF-16
 * units a JavaScript string is indexed by: `start` is the index of the first character of the
 * range, `end` the index after its last one (XEP-0426 §3).
 */
import type { Element } from 'ltx';
import { StanzaError } from '../core/errors.js';

export const FALLBACK_NS = 'urn:xmpp:fallback:0';
/** The name XEP-0461 0.2 used in its example (from the "Compatibility Fallbacks" protoXEP). */
const OLD_FALLBACK_NS = 'urn:xmpp:feature-fallback:0';
export const REPLY_NS = 'urn:xmpp:reply:0';
export const RETRACT_NS = 'urn:xmpp:message-retract:1';
/** XEP-0424 up to 0.3 fastened the retraction to the message (XEP-0422); some clients still do. */
export const RETRACT_V0_NS = 'urn:xmpp:message-retract:0';
export const FASTEN_NS = 'urn:xmpp:fasten:0';

/** A range of a body, in code points, end exclusive; or the whole body. */
export type BodyRange = { start: number; end: number } | 'all';

export interface Fallback {
  /** The feature the fallback stands in for ('for'); absent in XEP-0428 0.1 style markers. */
  for?: string;
  /** What of the body is fallback; empty when the marker covers only the subject. */
  body: BodyRange[];
}

/** Features whose whole-body fallback is what a network carries anyway: a link to a file. */
const CARRIED = new Set(['jabber:x:oob', 'urn:xmpp:sims:1', 'urn:xmpp:sfs:0']);

/** What users are told a feature is, when a network cannot carry it. */
const FEATURE_NAMES: Record<string, string> = {
  [RETRACT_NS]: 'Retracting a message',
  [RETRACT_V0_NS]: 'Retracting a message',
  [REPLY_NS]: 'A reply without text of its own',
  'urn:xmpp:reactions:0': 'A reaction',
  'urn:xmpp:message-moderate:0': 'Moderating a message',
  'urn:xmpp:message-moderate:1': 'Moderating a message',
};

/** Fallbacks whose ranges are removed: features the gateway knows and that carry no text. */
const STRIPPED = new Set([REPLY_NS, ...Object.keys(FEATURE_NAMES)]);

const INTEGER = /^\s*\d{1,20}\s*$/;

function readRange(el: Element): BodyRange | undefined {
  const { start, end } = el.attrs;
  if (start === undefined && end === undefined) return 'all';
  // One bound without the other, or a bound that is no integer, marks nothing (never throws).
  if (start === undefined || end === undefined || !INTEGER.test(start) || !INTEGER.test(end)) return undefined;
  const s = Number(start);
  const e = Number(end);
  return s < e ? { start: s, end: e } : undefined;
}

/** The XEP-0428 markers of a message. A marker without children covers the whole body (§2.2). */
export function readFallbacks(message: Element): Fallback[] {
  const markers = [...message.getChildren('fallback', FALLBACK_NS), ...message.getChildren('fallback', OLD_FALLBACK_NS)];
  return markers.map((m) => {
    const children = m.getChildElements();
    const body = children.length === 0 ? ['all' as const] : children.filter((c) => c.name === 'body').flatMap((c) => readRange(c) ?? []);
    return { ...(m.attrs.for ? { for: m.attrs.for } : {}), body };
  });
}

/**
 * Remove ranges (code points, clamped to the text, overlaps allowed) from `text`. Sorted and
 * merged first, so a hostile stanza with thousands of overlapping ranges costs one pass.
 */
export function removeRanges(text: string, ranges: BodyRange[]): string {
  if (ranges.length === 0) return text;
  if (ranges.includes('all')) return '';
  const points = Array.from(text);
  const spans = ranges
    .filter((r): r is { start: number; end: number } => r !== 'all')
    .map((r) => ({ start: Math.min(r.start, points.length), end: Math.min(r.end, points.length) }))
    .sort((a, b) => a.start - b.start);
  let out = '';
  let at = 0;
  for (const r of spans) {
    if (r.start > at) out += points.slice(at, r.start).join('');
    at = Math.max(at, r.end);
  }
  return out + points.slice(at).join('');
}

/** Whether a message asks for a retraction (XEP-0424 1.x `<retract/>` or the 0.x fastening), with a usable id or not. */
export function isRetraction(message: Element): boolean {
  if (message.getChild('retract', RETRACT_NS)) return true;
  return message.getChildren('apply-to', FASTEN_NS).some((a) => a.getChild('retract', RETRACT_V0_NS) !== undefined);
}

function nothingSent(feature: string | undefined): StanzaError {
  const what = feature ? (FEATURE_NAMES[feature] ?? `This message needs ${feature}, which`) : 'This message has only fallback text, which';
  const text = feature && FEATURE_NAMES[feature] ? `${what} is not supported on this network; nothing was sent.` : `${what} this network cannot carry; nothing was sent.`;
  return new StanzaError('feature-not-implemented', text, { type: 'cancel' });
}

/**
 * The body a bridge should see: reply quotes and other removable fallbacks taken out. Throws
 * `feature-not-implemented` (type cancel) for a message whose whole body is a fallback for
 * something the gateway does not handle: relaying the placeholder text as if the user had written
 * it would be wrong, and an SMS costs. (Retractions and reactions are decoded before this.)
 */
export function bodyWithoutFallbacks(message: Element, body: string | null): string | null {
  if (body === null) return null;
  const fallbacks = readFallbacks(message).filter((f) => f.body.length > 0);
  if (fallbacks.length === 0) return body;
  const whole = fallbacks.find((f) => f.body.includes('all') && !(f.for !== undefined && CARRIED.has(f.for)));
  if (whole) throw nothingSent(whole.for);
  const stripped = fallbacks.filter((f) => f.for !== undefined && STRIPPED.has(f.for));
  const text = removeRanges(body, stripped.flatMap((f) => f.body));
  // Only the fallback was there (a reply that is all quote, a reaction): nothing left to send.
  if (text.trim() === '' && body.trim() !== '') throw nothingSent(stripped.find((f) => f.for !== REPLY_NS)?.for ?? stripped[0]?.for);
  return text;
}
