import { afterEach, describe, expect, it } from 'vitest';
import { StanzaError } from '../../../src/core/errors.js';
import { fakeSid, inboundParams, postSignedWebhook } from '../../../test/helpers/sms-fake-twilio.js';
import { SMS_PUBLIC, startSms, uniqueNumber, type SmsHarness } from './sms-setup.js';

let h: SmsHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function post(harness: SmsHarness, params: Record<string, string>, signature?: string | null, signedUrl = `${SMS_PUBLIC}/inbound`) {
  return postSignedWebhook({
    postUrl: `${harness.t.baseUrl}/sms/inbound`,
    signedUrl,
    authToken: harness.twilio.authToken,
    params,
    ...(signature !== undefined ? { signature } : {}),
  });
}

describe('SMS → XMPP webhook', () => {
  it('commits the text from +sender to the owner, then answers empty TwiML', async () => {
    h = await startSms();
    const from = uniqueNumber();
    const params = inboundParams({ accountSid: h.twilio.accountSid, from, to: h.number, body: 'hi from a phone' });
    const res = await post(h, params);
    expect(res.status).toBe(200);
    expect(res.contentType).toMatch(/^text\/xml/);
    expect(res.body).toContain('<Response/>');
    // The MessageSid is its stanza id: a XEP-0444 reaction of the user names the text by it.
    expect(h.t.inbound()).toEqual([{ kind: 'message', user: h.user, from, type: 'chat', body: 'hi from a phone', id: params.MessageSid }]);
  });

  it('refuses a forged signature with 403 and delivers nothing', async () => {
    h = await startSms();
    const params = inboundParams({ accountSid: h.twilio.accountSid, from: uniqueNumber(), to: h.number, body: 'forged' });
    expect((await post(h, params, 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=')).status).toBe(403);
    expect((await post(h, params, null)).status).toBe(403);
    expect(h.t.inbound()).toHaveLength(0);
  });

  it('refuses a body tampered with after signing', async () => {
    h = await startSms();
    const params = inboundParams({ accountSid: h.twilio.accountSid, from: uniqueNumber(), to: h.number, body: 'original' });
    const { getExpectedTwilioSignature } = (await import('twilio')).default;
    const sig = getExpectedTwilioSignature(h.twilio.authToken, `${SMS_PUBLIC}/inbound`, params);
    expect((await post(h, { ...params, Body: 'tampered' }, sig)).status).toBe(403);
    expect(h.t.inbound()).toHaveLength(0);
  });

  it('checks the signature against the public URL, not the local one', async () => {
    h = await startSms();
    const params = inboundParams({ accountSid: h.twilio.accountSid, from: uniqueNumber(), to: h.number, body: 'x' });
    expect((await post(h, params, undefined, `${h.t.baseUrl}/sms/inbound`)).status).toBe(403);
    expect((await post(h, params, undefined, `https://gw.example.org:443/sms/inbound`)).status).toBe(200);
  });

  it('accepts parameters it does not know (Twilio adds fields without notice)', async () => {
    h = await startSms();
    const params = { ...inboundParams({ accountSid: h.twilio.accountSid, from: uniqueNumber(), to: h.number, body: 'x' }), NewField2030: 'y' };
    expect((await post(h, params)).status).toBe(200);
  });

  it('delivers a replayed webhook (same MessageSid) once', async () => {
    h = await startSms();
    const params = inboundParams({ accountSid: h.twilio.accountSid, from: uniqueNumber(), to: h.number, body: 'once' });
    expect((await post(h, params)).status).toBe(200);
    expect((await post(h, params)).status).toBe(200);
    expect(h.t.inbound()).toHaveLength(1);
  });

  it('answers 5xx when the store cannot commit, so Twilio may retry', async () => {
    h = await startSms();
    h.t.store.close();
    const res = await post(h, inboundParams({ accountSid: h.twilio.accountSid, from: uniqueNumber(), to: h.number, body: 'lost?' }));
    expect(res.status).toBeGreaterThanOrEqual(500);
    expect(res.body).not.toContain('<Response');
    // Re-open for afterEach: the harness closes a store that is already closed, which is harmless.
  });

  it('answers 503 when the commit fails, and delivers once when Twilio retries', async () => {
    h = await startSms();
    const params = inboundParams({ accountSid: h.twilio.accountSid, from: uniqueNumber(), to: h.number, body: 'retry me' });
    const deliver = h.t.ctx.deliver;
    h.t.ctx.deliver = async () => {
      throw new Error('SQLITE_IOERR: disk I/O error');
    };
    const failed = await post(h, params);
    expect(failed.status).toBe(503);
    h.t.ctx.deliver = deliver;
    expect((await post(h, params)).status).toBe(200);
    expect((await post(h, params)).status).toBe(200);
    expect(h.t.inbound()).toHaveLength(1);
  });

  it('delivers each MMS media as its own message with a XEP-0066 OOB URL', async () => {
    h = await startSms();
    const from = uniqueNumber();
    const media = [
      { url: 'https://api.twilio.com/2010-04-01/Accounts/AC/Messages/MM1/Media/ME1', type: 'image/jpeg' },
      { url: 'https://api.twilio.com/2010-04-01/Accounts/AC/Messages/MM1/Media/ME2', type: 'video/mp4' },
    ];
    await post(h, inboundParams({ accountSid: h.twilio.accountSid, from, to: h.number, body: 'pics', media }));
    expect(h.t.inbound()).toEqual([
      { kind: 'message', user: h.user, from, type: 'chat', body: 'pics', id: expect.any(String) },
      { kind: 'message', user: h.user, from, type: 'chat', body: media[0]?.url, oob: [{ url: media[0]?.url, desc: 'image/jpeg' }] },
      { kind: 'message', user: h.user, from, type: 'chat', body: media[1]?.url, oob: [{ url: media[1]?.url, desc: 'video/mp4' }] },
    ]);
  });

  it('re-hosts MMS media at an unguessable gateway URL fetched with Basic auth', async () => {
    h = await startSms({ media: { rehost: true } });
    const original = h.twilio.mediaUrl('ME1');
    await post(h, inboundParams({ accountSid: h.twilio.accountSid, from: uniqueNumber(), to: h.number, body: '', media: [{ url: original, type: 'image/png' }] }));
    const [msg] = h.t.inbound();
    const url = msg?.kind === 'message' ? msg.body : '';
    expect(url).toMatch(new RegExp(`^${SMS_PUBLIC}/media/[A-Za-z0-9_-]{43}$`));
    expect(msg?.kind === 'message' && msg.oob).toEqual([{ url, desc: 'image/png' }]);
    const local = url.replace(SMS_PUBLIC, `${h.t.baseUrl}/sms`);
    const res = await fetch(local);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await res.arrayBuffer())).toEqual(h.twilio.mediaBytes);
    expect((await fetch(local.slice(0, -4) + 'AAAA')).status).toBe(404);
  });
});

describe('texts to numbers nobody owns', () => {
  it('keeps them as dead letters, lists the number to admins, and delivers after assignment', async () => {
    h = await startSms({}, ['admin@example.org']);
    const stray = uniqueNumber();
    const from = uniqueNumber();
    const params = inboundParams({ accountSid: h.twilio.accountSid, from, to: stray, body: 'anyone there?' });
    expect((await post(h, params)).status).toBe(200);
    expect(h.t.inbound()).toHaveLength(0);
    const dead = h.t.deadLetters();
    expect(dead).toHaveLength(1);
    expect(dead[0]?.lastError).toContain(stray);
    const payload = (JSON.parse(dead[0]?.payload ?? '{}') as { undeliverable: unknown }).undeliverable;

    const cmd = (node: string) => h?.bridge.commands.find((c) => c.node === node);
    const admin = { user: 'admin@example.org', from: 'admin@example.org/x', localpart: '' };
    const listed = await cmd('sms-unassigned-numbers')?.run({ ...admin, action: 'execute' });
    expect(listed?.status === 'completed' && listed.note?.text).toContain(stray);

    await expect(h.bridge.retryDeadLetter(payload)).rejects.toBeInstanceOf(StanzaError);
    const other = `o${Date.now()}@example.org`;
    await cmd('sms-assign-number')?.run({ ...admin, action: 'complete', values: { user: [other], number: [stray] } });
    await h.bridge.retryDeadLetter(payload);
    expect(h.t.inbound()).toEqual([{ kind: 'message', user: other, from, type: 'chat', body: 'anyone there?', id: (payload as { params: { MessageSid: string } }).params.MessageSid }]);
    const after = await cmd('sms-unassigned-numbers')?.run({ ...admin, action: 'execute' });
    expect(after?.status === 'completed' && after.note?.text).not.toContain(stray);
    // A replay of the original webhook now dedupes against the retried delivery.
    await post(h, params);
    expect(h.t.inbound()).toHaveLength(1);
  });

  it('routes a text sent through a Messaging Service to its owner', async () => {
    const mg = `MG${'b'.repeat(32)}`;
    h = await startSms({ numbers: {} });
    await h.bridge.commands[0]?.run({ user: 'a@example.org', from: 'a@example.org/x', localpart: '', action: 'complete', values: { user: [h.user], number: [mg] } });
    const params = { ...inboundParams({ accountSid: h.twilio.accountSid, from: uniqueNumber(), to: uniqueNumber(), body: 'via MG' }), MessagingServiceSid: mg };
    await post(h, params);
    expect(h.t.inbound()[0]).toMatchObject({ user: h.user, body: 'via MG' });
  });

  it('rejects a webhook for another account even when signed', async () => {
    h = await startSms();
    const res = await post(h, inboundParams({ accountSid: fakeSid('AC'), from: uniqueNumber(), to: h.number, body: 'x' }));
    expect(res.status).toBe(403);
  });
});
