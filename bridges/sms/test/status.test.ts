import { afterEach, describe, expect, it } from 'vitest';
import type { Inbound } from '../../../src/core/model.js';
import { DeliveryTracker } from '../delivery.js';
import { postSignedWebhook, statusParams } from '../../../test/helpers/sms-fake-twilio.js';
import { chat, SMS_PUBLIC, startSms, uniqueNumber, type SmsHarness } from './sms-setup.js';

let h: SmsHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function callback(harness: SmsHarness, sid: string, status: string, to: string, errorCode?: number, signature?: string) {
  return postSignedWebhook({
    postUrl: `${harness.t.baseUrl}/sms/status`,
    signedUrl: `${SMS_PUBLIC}/status`,
    authToken: harness.twilio.authToken,
    params: statusParams({ accountSid: harness.twilio.accountSid, sid, status, from: harness.number, to, ...(errorCode !== undefined ? { errorCode } : {}) }),
    ...(signature !== undefined ? { signature } : {}),
  });
}

/** Send one text and return its stanza id, MessageSid and recipient. */
async function sendOne(harness: SmsHarness, receiptRequested = true, body = 'hello') {
  const to = uniqueNumber();
  const event = chat(harness.user, to, body, { receiptRequested, resource: 'phone' });
  const { networkId } = await harness.bridge.send(event);
  return { id: event.kind === 'message' ? (event.id ?? '') : '', sid: networkId ?? '', to };
}

const receipts = (harness: SmsHarness): Inbound[] => harness.t.inbound().filter((e) => e.kind === 'receipt' || e.kind === 'error');

describe('Twilio status callbacks', () => {
  it('turns delivered into a XEP-0184 receipt for the original stanza id', async () => {
    h = await startSms();
    const { id, sid, to } = await sendOne(h);
    for (const status of ['sending', 'sent', 'delivered']) expect((await callback(h, sid, status, to)).status).toBe(200);
    expect(receipts(h)).toEqual([{ kind: 'receipt', user: h.user, from: to, id, state: 'delivered' }]);
  });

  it('sends no receipt when the sender did not ask for one', async () => {
    h = await startSms();
    const { sid, to } = await sendOne(h, false);
    await callback(h, sid, 'delivered', to);
    expect(receipts(h)).toHaveLength(0);
  });

  it('reports failed with the Twilio ErrorCode and its meaning', async () => {
    h = await startSms();
    const { id, sid, to } = await sendOne(h);
    await callback(h, sid, 'failed', to, 30003);
    const [r] = receipts(h);
    expect(r).toMatchObject({ kind: 'receipt', id, toResource: 'phone', state: 'failed', condition: 'recipient-unavailable' });
    expect(r?.kind === 'receipt' && r.text).toMatch(/30003.*unreachable/);
  });

  it('reports undelivered with its code', async () => {
    h = await startSms();
    const { id, sid, to } = await sendOne(h);
    await callback(h, sid, 'undelivered', to, 30007);
    expect(receipts(h)).toMatchObject([{ kind: 'receipt', id, state: 'failed', condition: 'policy-violation' }]);
  });

  it('never moves a message back from delivered when callbacks arrive out of order', async () => {
    h = await startSms();
    const { sid, to } = await sendOne(h);
    await callback(h, sid, 'delivered', to);
    await callback(h, sid, 'sent', to);
    await callback(h, sid, 'undelivered', to, 30008);
    await callback(h, sid, 'delivered', to);
    expect(receipts(h)).toMatchObject([{ kind: 'receipt', state: 'delivered' }]);
  });

  it('acknowledges a receipt for a split text only when every part is delivered', async () => {
    h = await startSms();
    const body = Array.from({ length: 500 }, (_, i) => `word${i}`).join(' ');
    const { id, to } = await sendOne(h, true, body);
    const parts = h.twilio.created().map((r) => r.sid ?? '');
    expect(parts.length).toBeGreaterThan(1);
    await callback(h, parts[0] ?? '', 'delivered', to);
    expect(receipts(h)).toHaveLength(0);
    for (const p of parts.slice(1)) await callback(h, p, 'delivered', to);
    expect(receipts(h)).toMatchObject([{ kind: 'receipt', id, state: 'delivered' }]);
  });

  it('refuses a status callback with a bad signature', async () => {
    h = await startSms();
    const { sid, to } = await sendOne(h);
    expect((await callback(h, sid, 'delivered', to, undefined, 'bm90IGEgc2lnbmF0dXJl')).status).toBe(403);
    expect(receipts(h)).toHaveLength(0);
  });

  it('answers 200 to a callback about a message it does not know', async () => {
    h = await startSms();
    expect((await callback(h, 'SM' + '0'.repeat(32), 'delivered', uniqueNumber())).status).toBe(200);
    expect(receipts(h)).toHaveLength(0);
  });

  it('answers 5xx when the store is gone', async () => {
    h = await startSms();
    const { sid, to } = await sendOne(h);
    h.t.store.close();
    expect((await callback(h, sid, 'delivered', to)).status).toBeGreaterThanOrEqual(500);
  });

  it('answers 503 when the receipt cannot be committed, and reports it on the retried callback', async () => {
    h = await startSms();
    const { id, sid, to } = await sendOne(h);
    const deliver = h.t.ctx.deliver;
    h.t.ctx.deliver = async () => {
      throw new Error('SQLITE_FULL: database or disk is full');
    };
    expect((await callback(h, sid, 'delivered', to)).status).toBe(503);
    h.t.ctx.deliver = deliver;
    expect((await callback(h, sid, 'delivered', to)).status).toBe(200);
    expect(receipts(h)).toMatchObject([{ kind: 'receipt', id, state: 'delivered' }]);
  });

  it('forgets the delivery state of old texts when pruned', async () => {
    h = await startSms();
    const { sid, to } = await sendOne(h);
    const tracker = new DeliveryTracker(h.t.ctx.kv, () => Date.now());
    expect(tracker.prune(Date.now() - 60_000)).toBe(0);
    expect(tracker.prune(Date.now() + 1)).toBe(2);
    expect((await callback(h, sid, 'delivered', to)).status).toBe(200);
    expect(receipts(h)).toHaveLength(0);
  });
});
