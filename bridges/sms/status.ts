/**
 * Twilio status callbacks (https://www.twilio.com/docs/messaging/guides/track-outbound-message-status):
 * POST /sms/status, signed like the incoming webhook. `delivered` → XEP-0184 receipt for the
 * original stanza id; `failed`/`undelivered` → a failure with Twilio's ErrorCode and its meaning.
 * The outcome is committed before the 200; a storage failure answers 503.
 *
 * Sharded mode (design.md §5a): the callback may land on an instance whose slot did not send the
 * text; it is handed to the slot that did (`ctx.handOff`, src/core/handoff.ts), committed before
 * the 200, and applied there (`takeHandedStatus`), as if it had landed there.
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

/** The handoff kind of a status callback. */
export const STATUS_HANDOFF = 'status';

export async function handleStatusCallback(deps: StatusDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { ctx } = deps;
  const params = await readSignedWebhook(deps, req, res, 'status callback');
  if (!params) return;
  const sid = params.MessageSid ?? params.SmsSid;
  const status = params.MessageStatus ?? params.SmsStatus;
  if (!sid || !status) return answerText(res, 400, 'MessageSid and MessageStatus required');
  const code = params.ErrorCode ? Number(params.ErrorCode) : undefined;
  try {
    if (!deps.tracker.knows(sid) && ctx.handOff) {
      await ctx.handOff(STATUS_HANDOFF, { sid, status, ...(code !== undefined && Number.isFinite(code) ? { code: String(code) } : {}) });
      ctx.log.debug({ event: 'sms_status_handed_off', sid, status }, 'status callback of a text another slot sent');
    } else await applyStatus(deps, sid, status, Number.isFinite(code) ? code : undefined);
  } catch (err) {
    ctx.log.error({ event: 'status_store_failed', sid, err: (err as Error).message }, 'could not commit a delivery status');
    return answerText(res, 503, 'temporarily unable to store the status', { 'retry-after': '5' });
  }
  ctx.log.debug({ event: 'sms_status', sid, status, code }, 'status callback');
  answerTwiml(res);
}

/** A status callback another slot handed off: applied when this slot sent the text. */
export async function takeHandedStatus(deps: Pick<StatusDeps, 'ctx' | 'tracker'>, payload: Readonly<Record<string, string>>): Promise<boolean> {
  const { sid, status, code } = payload;
  if (!sid || !status) {
    deps.ctx.log.warn({ event: 'handoff_malformed', payload }, 'a handed-off status callback without sid or status; dropped');
    return true;
  }
  if (!deps.tracker.knows(sid)) return false;
  const n = code === undefined ? undefined : Number(code);
  await applyStatus(deps, sid, status, n !== undefined && Number.isFinite(n) ? n : undefined);
  return true;
}

/** Update the text's state and deliver its outcome; the state is restored when that cannot be committed. */
async function applyStatus(deps: Pick<StatusDeps, 'ctx' | 'tracker'>, sid: string, status: string, code: number | undefined): Promise<void> {
  const outcome = deps.tracker.onStatus(sid, status, code);
  try {
    if (outcome.event) await deps.ctx.deliver(outcome.event, outcome.dedupeKey ? { dedupeKey: outcome.dedupeKey } : {});
  } catch (err) {
    outcome.undo();
    throw err;
  }
}
