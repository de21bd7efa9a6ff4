import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { RetryableError, StanzaError } from '../../../src/core/errors.js';
import { chat, rejection, SMS_PUBLIC, startSms, uniqueNumber, type SmsHarness } from './sms-setup.js';

let h: SmsHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('XMPP → SMS through the Messages API', () => {
  it('sends a chat message as Messages.create with From, To, Body and StatusCallback', async () => {
    h = await startSms();
    const to = uniqueNumber();
    const event = chat(h.user, to, 'hello from XMPP');
    const result = await h.bridge.send(event);
    const [req] = h.twilio.created();
    expect(req?.authorized).toBe(true);
    expect(req?.path).toBe(`/2010-04-01/Accounts/${h.twilio.accountSid}/Messages.json`);
    expect(req?.form).toEqual({ To: [to], From: [h.number], Body: ['hello from XMPP'], StatusCallback: [`${SMS_PUBLIC}/status`] });
    expect(req?.headers['user-agent']).toMatch(/^twilio-node\//);
    expect(result.networkId).toMatch(/^SM[0-9a-f]{32}$/);
    expect(h.t.ctx.messages.byNetworkId(result.networkId ?? '')).toMatchObject({ user: h.user, xmppId: event.kind === 'message' ? event.id : '', peer: to });
  });

  it('normalises a national number in the JID before sending', async () => {
    h = await startSms();
    await h.bridge.send(chat(h.user, '5551234567', 'hi'));
    expect(h.twilio.created()[0]?.form.To).toEqual(['+15551234567']);
  });

  it('sends nothing for a message without a body (chat states, markers)', async () => {
    h = await startSms();
    expect(await h.bridge.send(chat(h.user, uniqueNumber(), '  '))).toEqual({});
    expect(h.twilio.requests).toHaveLength(0);
  });

  it('sends from a Messaging Service when one is assigned', async () => {
    h = await startSms({ numbers: {} });
    const mg = `MG${'a'.repeat(32)}`;
    await h.bridge.commands[0]?.run({ user: 'admin@example.org', from: 'admin@example.org/x', localpart: '', action: 'complete', values: { user: [h.user], number: [mg] } });
    await h.bridge.send(chat(h.user, uniqueNumber(), 'via service'));
    expect(h.twilio.created()[0]?.form.MessagingServiceSid).toEqual([mg]);
    expect(h.twilio.created()[0]?.form.From).toBeUndefined();
  });

  it('answers registration-required to a user without a number', async () => {
    h = await startSms();
    const err = await rejection(h.bridge.send(chat('nobody@example.org', uniqueNumber(), 'hi')));
    expect(err).toBeInstanceOf(StanzaError);
    expect((err as StanzaError).condition).toBe('registration-required');
    expect((err as StanzaError).message).toMatch(/number/);
    expect(h.twilio.requests).toHaveLength(0);
  });

  it('answers jid-malformed for an address that is not a phone number', async () => {
    h = await startSms();
    const err = await rejection(h.bridge.send(chat(h.user, 'bob', 'hi')));
    expect((err as StanzaError).condition).toBe('jid-malformed');
  });

  it('does not carry corrections: feature-not-implemented', async () => {
    h = await startSms();
    const err = await rejection(h.bridge.send({ kind: 'correction', type: 'chat', user: h.user, to: uniqueNumber(), replaces: 'x', body: 'y' }));
    expect((err as StanzaError).condition).toBe('feature-not-implemented');
  });
});

describe('Twilio errors', () => {
  it('turns 429 into RetryableError honouring Retry-After, then delivers once', async () => {
    h = await startSms();
    h.twilio.plan({ status: 429, retryAfter: '2' });
    const event = chat(h.user, uniqueNumber(), 'busy');
    const err = await rejection(h.bridge.send(event));
    expect(err).toBeInstanceOf(RetryableError);
    expect((err as RetryableError).retryAfterMs).toBe(2000);
    await h.bridge.send(event);
    expect(h.twilio.created()).toHaveLength(1);
  });

  it('turns 500 into RetryableError', async () => {
    h = await startSms();
    h.twilio.plan({ status: 500 });
    expect(await rejection(h.bridge.send(chat(h.user, uniqueNumber(), 'x')))).toBeInstanceOf(RetryableError);
  });

  it('turns 21610 (unsubscribed) into a StanzaError with the code and a readable text', async () => {
    h = await startSms();
    h.twilio.plan({ status: 400, code: 21610, message: 'Attempt to send to unsubscribed recipient' });
    const err = (await rejection(h.bridge.send(chat(h.user, uniqueNumber(), 'x')))) as StanzaError;
    expect(err).toBeInstanceOf(StanzaError);
    expect(err.condition).toBe('forbidden');
    expect(err.code).toBe('21610');
    expect(err.message).toMatch(/21610.*unsubscribed/);
  });

  const permanent: Array<[number, string]> = [
    [21211, 'item-not-found'],
    [21408, 'not-allowed'],
    [21614, 'not-acceptable'],
    [29999, 'not-acceptable'],
  ];
  for (const [code, condition] of permanent) {
    it(`maps Twilio error ${code} to ${condition}`, async () => {
      h = await startSms();
      h.twilio.plan({ status: 400, code, message: 'rejected' });
      const err = (await rejection(h.bridge.send(chat(h.user, uniqueNumber(), 'x')))) as StanzaError;
      expect(err.condition).toBe(condition);
      expect(err.message).toContain(String(code));
    });
  }

  it('reports Twilio unreachable as health, retries, and recovers', async () => {
    h = await startSms();
    h.twilio.plan({ status: 'hang-up' });
    const event = chat(h.user, uniqueNumber(), 'x');
    const err = await rejection(h.bridge.send(event));
    expect(err).toBeInstanceOf(RetryableError);
    expect(h.t.health.at(-1)).toMatchObject({ canDeliver: false });
    expect(JSON.stringify(h.t.health)).not.toContain(h.twilio.authToken);
    await h.bridge.send(event);
    expect(h.t.health.at(-1)).toEqual({ canDeliver: true });
    expect(h.twilio.created()).toHaveLength(1);
  });

  it('never puts the credentials in an error', async () => {
    h = await startSms();
    h.twilio.plan({ status: 'hang-up' }, { status: 401, code: 20003, message: 'Authenticate' });
    for (let i = 0; i < 2; i += 1) {
      const err = (await rejection(h.bridge.send(chat(h.user, uniqueNumber(), 'x')))) as Error;
      const basic = Buffer.from(`${h.twilio.accountSid}:${h.twilio.authToken}`).toString('base64');
      const seen = JSON.stringify({ m: err.message, c: inspect(err.cause), s: err.stack });
      expect(seen).not.toContain(h.twilio.authToken);
      expect(seen).not.toContain(basic);
    }
    // Rejected credentials (20003) make every text fail: the bridge reports itself unhealthy.
    expect(h.t.health.at(-1)).toMatchObject({ canDeliver: false, reason: expect.stringMatching(/20003/) });
  });
});

describe('long texts, encodings and MMS', () => {
  const long = Array.from({ length: 600 }, (_, i) => `w${i}`).join(' ') + ' ' + Array.from({ length: 400 }, (_, i) => `x${i}`).join(' ');

  it('splits a body over 1,600 characters at word boundaries', async () => {
    h = await startSms();
    await h.bridge.send(chat(h.user, uniqueNumber(), long));
    const bodies = h.twilio.created().map((r) => r.form.Body?.[0] ?? '');
    expect(bodies.length).toBe(Math.ceil(long.length / 1600));
    for (const b of bodies) expect(b.length).toBeLessThanOrEqual(1600);
    expect(bodies.join(' ')).toBe(long);
  });

  it('resumes a split text after a transient failure without sending a part twice', async () => {
    h = await startSms();
    h.twilio.plan({ status: 201 }, { status: 503 });
    const event = chat(h.user, uniqueNumber(), long);
    expect(await rejection(h.bridge.send(event))).toBeInstanceOf(RetryableError);
    expect(h.twilio.created()).toHaveLength(1);
    await h.bridge.send(event);
    const bodies = h.twilio.created().map((r) => r.form.Body?.[0] ?? '');
    expect(bodies).toHaveLength(Math.ceil(long.length / 1600));
    expect(bodies.join(' ')).toBe(long);
  });

  it('rejects a long body with not-acceptable when configured to', async () => {
    h = await startSms({ long_messages: 'reject' });
    const err = (await rejection(h.bridge.send(chat(h.user, uniqueNumber(), long)))) as StanzaError;
    expect(err.condition).toBe('not-acceptable');
    expect(h.twilio.requests).toHaveLength(0);
  });

  it('tells the user a text went as UCS-2 and how many segments', async () => {
    h = await startSms();
    const to = uniqueNumber();
    await h.bridge.send(chat(h.user, to, `Привет ${'ж'.repeat(200)} 😀`));
    const notice = h.t.inbound().find((e) => e.kind === 'message' && e.from === '');
    expect(notice).toMatchObject({ kind: 'message', user: h.user, from: '' });
    expect(notice?.kind === 'message' && notice.body).toMatch(/4 segments, UCS-2/);
  });

  it('sends no notice for a short GSM-7 text, nor for a short text with an emoji', async () => {
    h = await startSms();
    await h.bridge.send(chat(h.user, uniqueNumber(), 'plain text'));
    await h.bridge.send(chat(h.user, uniqueNumber(), 'ok 👍'));
    expect(h.t.inbound()).toHaveLength(0);
  });

  it('notices a long GSM-7 text from min_segments on', async () => {
    h = await startSms({ segment_notice: { min_segments: 2 } });
    await h.bridge.send(chat(h.user, uniqueNumber(), 'a'.repeat(200)));
    const [notice] = h.t.inbound();
    expect(notice?.kind === 'message' && notice.body).toMatch(/2 segments, GSM-7\./);
  });

  it('sends XEP-0066 OOB URLs as MediaUrl (MMS)', async () => {
    h = await startSms();
    const url = 'https://upload.example.org/abc/cat.jpg';
    await h.bridge.send(chat(h.user, uniqueNumber(), url, { oob: [{ url }] }));
    expect(h.twilio.created()[0]?.form.MediaUrl).toEqual([url]);
    expect(h.twilio.created()[0]?.form.Body).toBeUndefined();
  });

  it('sends a body that is only an http(s) URL as MediaUrl', async () => {
    h = await startSms();
    const url = 'https://share.example.org/x/photo.png';
    await h.bridge.send(chat(h.user, uniqueNumber(), url));
    expect(h.twilio.created()[0]?.form.MediaUrl).toEqual([url]);
  });

  it('sends a caption and an OOB attachment together', async () => {
    h = await startSms();
    await h.bridge.send(chat(h.user, uniqueNumber(), 'look at this', { oob: [{ url: 'https://x.example.org/a.jpg' }, { url: 'https://x.example.org/b.jpg' }] }));
    expect(h.twilio.created()[0]?.form).toMatchObject({ Body: ['look at this'], MediaUrl: ['https://x.example.org/a.jpg', 'https://x.example.org/b.jpg'] });
  });
});

describe('cost protection', () => {
  it('refuses texts over the per-minute rate with policy-violation', async () => {
    h = await startSms({ limits: { per_minute: 2, daily_cap: 100 } });
    const to = uniqueNumber();
    await h.bridge.send(chat(h.user, to, 'one'));
    await h.bridge.send(chat(h.user, to, 'two'));
    const err = (await rejection(h.bridge.send(chat(h.user, to, 'three')))) as StanzaError;
    expect(err.condition).toBe('policy-violation');
    expect(err.message).toMatch(/per minute/);
    expect(h.twilio.created()).toHaveLength(2);
  });

  it('refuses texts over the daily cap with policy-violation', async () => {
    h = await startSms({ limits: { per_minute: 100, daily_cap: 1 } });
    await h.bridge.send(chat(h.user, uniqueNumber(), 'one'));
    const err = (await rejection(h.bridge.send(chat(h.user, uniqueNumber(), 'two')))) as StanzaError;
    expect(err.condition).toBe('policy-violation');
    expect(err.message).toMatch(/Daily cap/);
  });
});
