/**
 * XMPP → SMS: one Outbound message becomes one Twilio `Messages.create` per part
 * (https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource).
 * Called by the outbox worker; throws RetryableError (transient) or StanzaError (permanent).
 * A retry resumes after the parts Twilio already accepted, so a split text is never sent twice.
 */
import { randomUUID } from 'node:crypto';
import type { BridgeContext, SendResult } from '../../src/core/bridge.js';
import { RetryableError, StanzaError } from '../../src/core/errors.js';
import type { Outbound } from '../../src/core/model.js';
import { outboundText } from './clean-text.js';
import type { SmsConfig } from './config.js';
import type { DeliveryTracker, Group } from './delivery.js';
import type { SendLimits } from './limits.js';
import type { NumberDirectory } from './numbers.js';
import { countSegments, nonGsmCharacters } from './segments.js';
import { splitBody, TWILIO_MAX_BODY } from './split-body.js';
import { TwilioUnreachableError, type TwilioApi } from './twilio-api.js';

type MessageEvent = Extract<Outbound, { kind: 'message' }>;

export interface OutboundDeps {
  ctx: BridgeContext;
  config: SmsConfig;
  api: TwilioApi;
  numbers: NumberDirectory;
  limits: SendLimits;
  tracker: DeliveryTracker;
  statusCallback: string;
  /** The canonical local part of a phone JID (throws jid-malformed). */
  canonical(localpart: string): string;
  /** Called with the outcome of each API call, for the bridge's health. */
  reachable(ok: boolean, reason?: string): void;
}

const URL_ONLY = /^https?:\/\/\S+$/i;

/** Media to attach: XEP-0066 OOB URLs, or a body that is only an http(s) URL (XEP-0363 shares). */
export function mediaOf(event: MessageEvent): { body: string; media: string[] } {
  const media = (event.oob ?? []).map((o) => o.url).filter((u) => /^https?:\/\//i.test(u));
  const body = event.body.trim();
  if (URL_ONLY.test(body) && (media.length === 0 || media.includes(body))) {
    return { body: '', media: media.length > 0 ? media : [body] };
  }
  return { body: event.body, media };
}

/** `signal` (the outbox's attempt deadline) aborts the request in flight; parts already sent are kept (the tracker) and not sent again. */
export async function sendSms(deps: OutboundDeps, event: MessageEvent, signal?: AbortSignal): Promise<SendResult> {
  const { ctx, config } = deps;
  if (event.type === 'groupchat') throw new StanzaError('not-acceptable', 'SMS has no group chats: write to a +number JID.');
  const to = deps.canonical(event.to);
  if (to === '') throw new StanzaError('feature-not-implemented', 'Write to +<number>@ this domain to send a text.');
  // What reaches Twilio is decided once, here (clean-text.ts).
  const { body, media } = mediaOf({ ...event, body: outboundText(event.body) });
  if (body.trim() === '' && media.length === 0) return {}; // chat states, markers: nothing to text
  const sender = deps.numbers.senderFor(event.user);
  if (!sender) {
    throw new StanzaError('registration-required', 'You have no SMS number on this gateway yet: ask an admin to assign you one.');
  }
  let parts = body === '' ? [''] : [body];
  if (body.length > TWILIO_MAX_BODY) {
    if (config.long_messages === 'reject') {
      throw new StanzaError('not-acceptable', `The text is ${body.length} characters long; SMS allows at most ${TWILIO_MAX_BODY}.`);
    }
    parts = splitBody(body, TWILIO_MAX_BODY);
  }

  const stanzaId = event.id ?? event.originId;
  const key = `${event.user}|${stanzaId ?? randomUUID()}`;
  let group: Group | undefined = stanzaId ? deps.tracker.group(key) : undefined;
  if (!group) {
    deps.limits.take(event.user, parts.length, ctx.clock.now());
    group = {
      user: event.user,
      to,
      ...(event.id ? { id: event.id } : {}),
      ...(event.resource ? { resource: event.resource } : {}),
      receiptRequested: event.receiptRequested,
      parts: parts.length,
      sids: [],
      delivered: [],
      at: ctx.clock.now(),
    };
    deps.tracker.saveGroup(key, group);
  }

  for (let i = group.sids.length; i < parts.length; i += 1) {
    try {
      const created = await deps.api.createMessage({
        to,
        ...sender,
        body: parts[i] ?? '',
        ...(i === 0 ? { mediaUrl: media } : {}),
        statusCallback: deps.statusCallback,
      }, signal);
      deps.reachable(true);
      deps.tracker.partSent(key, group, created.sid, created.status);
      if (event.id) ctx.messages.put({ user: event.user, xmppId: event.id, networkId: created.sid, peer: to });
      ctx.metrics.count('sms_sent');
      ctx.log.debug({ event: 'sms_out', user: event.user, sid: created.sid, part: i + 1, of: parts.length, body: parts[i] }, 'SMS sent');
    } catch (err) {
      if (err instanceof TwilioUnreachableError) deps.reachable(false, err.message);
      else if (err instanceof StanzaError && err.code === '20003') deps.reachable(false, 'Twilio rejected the gateway credentials (error 20003)');
      else if (err instanceof RetryableError || err instanceof StanzaError) deps.reachable(true);
      throw err;
    }
  }
  await notice(deps, event, to, body, parts.length);
  return group.sids[0] !== undefined ? { networkId: group.sids[0] } : {};
}

/** Tell the user what the text cost when it is more than one plain SMS (config segment_notice). */
async function notice(deps: OutboundDeps, event: MessageEvent, to: string, body: string, messages: number): Promise<void> {
  const cfg = deps.config.segment_notice;
  if (!cfg.enabled || body === '') return;
  const info = countSegments(body);
  // UCS-2 matters when it costs: a short text with an emoji is still one SMS.
  const ucs2 = info.encoding === 'UCS-2' && cfg.on_ucs2 && info.segments > 1;
  if (!ucs2 && info.segments < cfg.min_segments) return;
  const because = info.encoding === 'UCS-2' ? ` because of ${nonGsmCharacters(body).slice(0, 5).join(' ')}` : '';
  const split = messages > 1 ? ` in ${messages} messages` : '';
  const text = `Text to ${to} sent as ${info.segments} segment${info.segments === 1 ? '' : 's'}, ${info.encoding}${because}${split}.`;
  const id = event.id ?? event.originId;
  await deps.ctx.deliver(
    { kind: 'message', user: event.user, from: '', type: 'chat', body: text },
    id ? { dedupeKey: `notice:${event.user}|${id}` } : {},
  );
}
