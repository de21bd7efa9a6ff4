// Property-based tests (fast-check) of the SMS bridge's pure parts and its webhook: random form
// bodies never throw past the webhook's error answers, parsed content never holds a character
// XML 1.0 cannot carry, and splitting and segment counting hold for any text.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasInvalidXmlChars } from '../../../src/xmpp/xml-safe.js';
import { inboundParams } from '../../../test/helpers/sms-fake-twilio.js';
import { cleanLine, cleanText, outboundText } from '../clean-text.js';
import { inboundContent } from '../inbound.js';
import { countSegments } from '../segments.js';
import { splitBody } from '../split-body.js';
import { parseForm } from '../webhook-http.js';
import { SMS_PUBLIC, startSms, type SmsHarness } from './sms-setup.js';
import twilio from 'twilio';

const units = fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 80 }).map((u) => String.fromCharCode(...u));
const text = fc.oneof(units, fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }));
const formBytes = fc.oneof(
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
  fc.array(fc.constantFrom('Body=', '&', '=', '%', '%FF', '%00', '%0D%0A', '+', 'NumMedia=9', 'MediaUrl0=', 'AccountSid=', 'x'), { maxLength: 30 }).map((a) => Buffer.from(a.join(''))),
);

describe('SMS pure parts (properties)', () => {
  it('a form body of any bytes parses, and its content is XML-safe with no controls but TAB/LF', () => {
    fc.assert(
      fc.property(formBytes, (body) => {
        const c = inboundContent(parseForm(body));
        for (const s of [c.from, c.body, ...c.media.flatMap((m) => [m.url, m.contentType ?? ''])]) {
          expect(hasInvalidXmlChars(s)).toBe(false);
          expect(s).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
        }
        expect(c.media.length).toBeLessThanOrEqual(10);
        for (const m of c.media) expect(m.url).toMatch(/^https?:\/\//i);
      }),
      { numRuns: 1000 },
    );
  });

  it('cleaning is idempotent and outbound text has no TAB, CR, DEL or C1', () => {
    fc.assert(
      fc.property(text, (s) => {
        expect(cleanText(cleanText(s))).toBe(cleanText(s));
        expect(cleanLine(s)).not.toMatch(/\s\s|^\s|\s$/);
        expect(outboundText(s)).not.toMatch(/[\t\r\u007f-\u009f]/);
      }),
      { numRuns: 1000 },
    );
  });

  it('splitting keeps every non-space character, in order, in parts of at most max, without cutting a surrogate pair', () => {
    fc.assert(
      fc.property(text, fc.integer({ min: 2, max: 200 }), (s, max) => {
        const parts = splitBody(s, max);
        for (const p of parts) expect(p.length).toBeLessThanOrEqual(max);
        expect(parts.join('').replace(/\s/g, '')).toBe(s.replace(/\s/g, ''));
        if (!hasInvalidXmlChars(s)) for (const p of parts) expect(hasInvalidXmlChars(p)).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });

  it('segment counting never throws and never counts fewer segments than the units need', () => {
    fc.assert(
      fc.property(text, (s) => {
        const info = countSegments(s);
        const per = info.encoding === 'GSM-7' ? 153 : 67;
        if (info.units > 0) expect(info.segments).toBeGreaterThanOrEqual(1);
        if (info.segments > 1) expect(info.segments).toBeGreaterThanOrEqual(Math.ceil(info.units / per));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('the inbound webhook with random bodies (properties, over real HTTP)', () => {
  let h: SmsHarness;
  beforeAll(async () => {
    h = await startSms({ webhooks: { max_body_bytes: 4096 } });
  });
  afterAll(async () => h?.close());

  it('answers 200, 400, 403 or 413, never 5xx, and delivers only what it answered 200 to', async () => {
    await fc.assert(
      fc.asyncProperty(formBytes, fc.boolean(), fc.boolean(), fc.integer({ min: 0, max: 6000 }), async (random, signIt, valid, pad) => {
        const before = h.t.inbound().length;
        // Half of the bodies carry the fields a real text has, so random bytes reach delivery too.
        const head = valid ? `AccountSid=${h.twilio.accountSid}&MessageSid=SM${before}x${pad}&To=${encodeURIComponent(h.number)}&` : '';
        const body = Buffer.concat([Buffer.from(head), random]);
        const full = pad > 0 ? Buffer.concat([body, Buffer.from(`&Pad=${'p'.repeat(pad)}`)]) : body;
        const signed = signIt ? twilio.getExpectedTwilioSignature(h.twilio.authToken, `${SMS_PUBLIC}/inbound`, parseForm(full)) : 'bm9wZQ==';
        const res = await fetch(`${h.t.baseUrl}/sms/inbound`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signed }, body: full });
        await res.text();
        expect([200, 400, 403, 413]).toContain(res.status);
        if (res.status !== 200) expect(h.t.inbound().length).toBe(before);
        for (const e of h.t.inbound().slice(before)) if (e.kind === 'message') expect(hasInvalidXmlChars(e.body)).toBe(false);
      }),
      { numRuns: 60 },
    );
    // And a real text still goes through afterwards.
    const ok = inboundParams({ accountSid: h.twilio.accountSid, from: '+15557779999', to: h.number, body: 'after the storm' });
    const res = await fetch(`${h.t.baseUrl}/sms/inbound`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature(h.twilio.authToken, `${SMS_PUBLIC}/inbound`, ok) },
      body: new URLSearchParams(ok).toString(),
    });
    expect(res.status).toBe(200);
    expect(h.t.inbound().some((e) => e.kind === 'message' && e.body === 'after the storm')).toBe(true);
  });
});
