/**
 * SMS/MMS → XMPP: the incoming-message webhook (https://www.twilio.com/docs/messaging/guides/webhook-request).
 * Order of work (design.md §1.3): signature check (403), commit durably deduplicated on
 * MessageSid, then 200 with empty TwiML. A storage failure answers 503 so Twilio may retry;
 * a replay commits nothing new. A text to a number nobody owns becomes a dead letter.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BridgeContext } from '../../src/core/bridge.js';
import type { UserJid } from '../../src/core/model.js';
import type { MediaRehost } from './media.js';
import type { NumberDirectory } from './numbers.js';
import { cleanLine, cleanText } from './clean-text.js';
import { tapbackReaction } from './reactions.js';
import type { RecentTexts } from './recent.js';
import { answerText, answerTwiml, readSignedWebhook, type WebhookParams } from './webhook-http.js';

/** What a dead letter of this bridge holds (given back to retryDeadLetter). */
export interface InboundDeadLetter {
  type: 'sms-inbound';
  params: WebhookParams;
}

export interface InboundDeps {
  ctx: BridgeContext;
  authToken: string;
  accountSid: string;
  publicBase: string;
  maxBodyBytes: number;
  numbers: NumberDirectory;
  toLocalpart(address: string): string;
  media?: MediaRehost;
  /** Recent texts per conversation, for tapbacks (absent: tapbacks stay texts). */
  recent?: RecentTexts;
}

export function isInboundDeadLetter(payload: unknown): payload is InboundDeadLetter {
  const p = payload as Partial<InboundDeadLetter> | null;
  return typeof p === 'object' && p !== null && p.type === 'sms-inbound' && typeof p.params === 'object' && p.params !== null;
}

/**
 * What the user will see of a webhook, cleaned once (clean-text.ts): the text, the sender, the
 * media (http(s) URLs only, at most Twilio's 10) and their types.
 */
export function inboundContent(params: WebhookParams): { from: string; body: string; media: Array<{ url: string; contentType?: string }> } {
  const media: Array<{ url: string; contentType?: string }> = [];
  const numMedia = Math.min(Number(params.NumMedia ?? 0) || 0, 10);
  for (let i = 0; i < numMedia; i += 1) {
    const url = cleanLine(params[`MediaUrl${i}`] ?? '');
    if (!/^https?:\/\/\S+$/i.test(url)) continue;
    const contentType = cleanLine(params[`MediaContentType${i}`] ?? '');
    media.push({ url, ...(contentType ? { contentType } : {}) });
  }
  return { from: cleanLine(params.From ?? ''), body: cleanText(params.Body ?? ''), media };
}

/** Commit the text (and each MMS media) for `owner`. Deduplicated on MessageSid (+ media index). */
export async function deliverInbound(deps: InboundDeps, owner: UserJid, params: WebhookParams): Promise<void> {
  const { ctx } = deps;
  const sid = params.MessageSid ?? params.SmsSid ?? '';
  const content = inboundContent(params);
  const from = deps.toLocalpart(content.from);
  const { body } = content;
  const numMedia = content.media.length;
  if (body.trim() !== '' || numMedia === 0) {
    // A phone's tapback on a recent text is a XEP-0444 reaction (reactions.ts), not a text.
    const reaction = numMedia === 0 && deps.recent ? tapbackReaction(deps.recent, owner, from, body) : undefined;
    if (reaction) {
      await ctx.deliver(reaction.event, { dedupeKey: sid });
      reaction.commit();
      ctx.metrics.count('sms_tapback');
      return;
    }
    // The MessageSid is the stanza id: a reaction of the user names the text by it (recent.ts).
    await ctx.deliver({ kind: 'message', user: owner, from, type: 'chat', body, ...(sid ? { id: sid } : {}) }, { dedupeKey: sid });
    deps.recent?.add(owner, from, [sid], body);
  }
  // XEP-0066: each media as its own message whose body is the URL, so clients render it inline.
  for (const [i, { url: original, contentType }] of content.media.entries()) {
    const url = deps.media ? deps.media.rehost(sid, i, original, contentType) : original;
    await ctx.deliver(
      { kind: 'message', user: owner, from, type: 'chat', body: url, oob: [{ url, ...(contentType ? { desc: contentType } : {}) }] },
      { dedupeKey: `${sid}:media:${i}` },
    );
  }
  ctx.metrics.count('sms_received');
}

/** POST /sms/inbound. */
export async function handleInboundWebhook(deps: InboundDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { ctx } = deps;
  const params = await readSignedWebhook(deps, req, res, 'inbound webhook');
  if (!params) return;
  const sid = params.MessageSid ?? params.SmsSid;
  if (!sid) return answerText(res, 400, 'MessageSid missing');
  try {
    const to = params.To ?? '';
    const owner = deps.numbers.ownerOf(to, params.MessagingServiceSid);
    if (owner === undefined) {
      deps.numbers.noteUnassigned(to, ctx.clock.now());
      await ctx.deadLetter({ type: 'sms-inbound', params } satisfies InboundDeadLetter, `SMS to ${to}, which no user owns`, {
        dedupeKey: `dead:${sid}`,
      });
    } else {
      await deliverInbound(deps, owner, params);
      ctx.log.debug({ event: 'sms_in', user: owner, sid, body: params.Body }, 'SMS received');
    }
  } catch (err) {
    // Not committed: Twilio must not consider it delivered (it retries per its connection overrides).
    ctx.log.error({ event: 'webhook_store_failed', sid, err: (err as Error).message }, 'could not commit an inbound SMS');
    return answerText(res, 503, 'temporarily unable to store the message', { 'retry-after': '5' });
  }
  answerTwiml(res);
}
