/**
 * Twilio status callbacks (https://www.twilio.com/docs/messaging/guides/track-outbound-message-status):
 * POST /sms/status, signed like the incoming webhook. `delivered` → XEP-0184 receipt for the
 * original stanza id; `failed`/`undelivered` → a failure with Twilio's ErrorCode and its meaning.
 * The outcome is committed before the 200; a storage failure answers 503.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BridgeContext } from '../../src/core/bridge.js';
import type { DeliveryTracker } from './delivery.js';
import { answerText, answerTwiml, readSignedWebhook } from './webhook-http.js';

export interface StatusDeps {
  ctx: BridgeContext;
  authToken: string;
  accountSid: string;
  publicBase: string;
  maxBodyBytes: number;
  tracker: DeliveryTracker;
}

export async function handleStatusCallback(deps: StatusDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { ctx } = deps;
  const params = await readSignedWebhook(deps, req, res, 'status callback');
  if (!params) return;
  const sid = params.MessageSid ?? params.SmsSid;
  const status = params.MessageStatus ?? params.SmsStatus;
  if (!sid || !status) return answerText(res, 400, 'MessageSid and MessageStatus required');
  const code = params.ErrorCode ? Number(params.ErrorCode) : undefined;
  let outcome: ReturnType<DeliveryTracker['onStatus']> | undefined;
  try {
    outcome = deps.tracker.onStatus(sid, status, Number.isFinite(code) ? code : undefined);
    if (outcome.event) await ctx.deliver(outcome.event, outcome.dedupeKey ? { dedupeKey: outcome.dedupeKey } : {});
  } catch (err) {
    try {
      outcome?.undo();
    } finally {
      ctx.log.error({ event: 'status_store_failed', sid, err: (err as Error).message }, 'could not commit a delivery status');
    }
    return answerText(res, 503, 'temporarily unable to store the status', { 'retry-after': '5' });
  }
  ctx.log.debug({ event: 'sms_status', sid, status, code }, 'status callback');
  answerTwiml(res);
}
