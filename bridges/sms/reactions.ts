/**
 * XEP-0444 reactions on SMS, both ways (issue 12). Out: by default refused (each would be a paid
 * text); with `reactions: text` the added emojis go as a short text quoting the message's first
 * words. In: a phone's tapback text (tapbacks.ts) becomes a XEP-0444 reaction on the recent text
 * it quotes, in either direction; a tapback that matches nothing stays a text.
 */
import type { SendResult } from '../../src/core/bridge.js';
import { StanzaError } from '../../src/core/errors.js';
import type { Inbound, Outbound } from '../../src/core/model.js';
import type { RecentTexts } from './recent.js';
import { parseTapback, reactionText } from './tapbacks.js';

type ReactionEvent = Extract<Outbound, { kind: 'reaction' }>;
type MessageEvent = Extract<Outbound, { kind: 'message' }>;

export interface ReactionDeps {
  recent: RecentTexts;
  mode: 'error' | 'text';
  /** Send a text (the bridge's own path: limits, segments, receipts). */
  sendText(event: MessageEvent): Promise<SendResult>;
}

export async function sendReaction(deps: ReactionDeps, event: ReactionEvent): Promise<SendResult> {
  if (deps.mode === 'error') {
    throw new StanzaError('feature-not-implemented', 'A reaction would be sent as a paid text, which this gateway does not do (option reactions: text). Nothing was sent.', {
      type: 'cancel',
    });
  }
  const target = deps.recent.byId(event.user, event.to, event.reactsTo);
  const before = target?.mine ?? [];
  const added = event.emojis.filter((e) => !before.includes(e));
  if (added.length === 0) {
    // XEP-0444 sends the whole set: a smaller one takes a reaction back, which a sent text cannot.
    if (target) deps.recent.setReactions(event.user, event.to, event.reactsTo, 'mine', event.emojis);
    throw new StanzaError('feature-not-implemented', 'SMS cannot take a reaction back; it was already sent as a text. Nothing was sent.', { type: 'cancel' });
  }
  const result = await deps.sendText({
    kind: 'message',
    type: 'chat',
    user: event.user,
    to: event.to,
    ...(event.resource ? { resource: event.resource } : {}),
    ...(event.id ? { id: event.id } : {}),
    body: reactionText(added, target?.text),
    receiptRequested: false,
  });
  if (target) deps.recent.setReactions(event.user, event.to, event.reactsTo, 'mine', event.emojis);
  return result;
}

/**
 * The XEP-0444 reaction a phone's text stands for, or undefined when it is a text (no tapback
 * phrase, or no recent text of the conversation matches its quote). `commit` records the new
 * set once the reaction is delivered.
 */
export function tapbackReaction(
  recent: RecentTexts,
  user: string,
  peer: string,
  body: string,
): { event: Extract<Inbound, { kind: 'reaction' }>; commit(): void } | undefined {
  const tapback = parseTapback(body);
  if (!tapback) return undefined;
  const target = recent.byQuote(user, peer, tapback.quoted);
  if (!target) return undefined;
  const before = target.theirs ?? [];
  const emojis = tapback.action === 'add' ? [...new Set([...before, tapback.emoji])] : before.filter((e) => e !== tapback.emoji);
  const id = target.ids[0]!;
  return {
    event: { kind: 'reaction', user, from: peer, type: 'chat', reactsTo: id, emojis },
    commit: () => recent.setReactions(user, peer, id, 'theirs', emojis),
  };
}
