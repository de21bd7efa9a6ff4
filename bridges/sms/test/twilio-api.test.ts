import { describe, expect, it } from 'vitest';
import { RetryableError } from '../../../src/core/errors.js';
import { classifyTwilioError, parseRetryAfter, TwilioApi } from '../twilio-api.js';
import { startFakeTwilio } from '../../../test/helpers/sms-fake-twilio.js';

describe('Retry-After (RFC 9110 §10.2.3)', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it('reads delay-seconds', () => expect(parseRetryAfter('7', now)).toBe(7000));
  it('reads an HTTP-date', () => expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000));
  it('never goes negative for a date in the past', () => expect(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBe(0));
  it('ignores garbage and absence', () => {
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

describe('the Twilio API client', () => {
  it('passes a bug through unchanged instead of hiding it as a retry', () => {
    const bug = new TypeError('x is not a function');
    expect(classifyTwilioError(bug)).toBe(bug);
  });

  it('honours a base URL with a path prefix (Twilio-compatible providers)', async () => {
    const fake = await startFakeTwilio();
    try {
      const api = new TwilioApi({ accountSid: fake.accountSid, authToken: fake.authToken, baseUrl: `${fake.url}/prefix/`, timeoutMs: 2000 });
      const err = await api.createMessage({ to: '+15551234567', from: '+15557654321', body: 'x' }).catch((e: unknown) => e);
      // The fake only serves the real path: the 404 proves the prefix was kept.
      expect(fake.requests[0]?.path).toBe(`/prefix/2010-04-01/Accounts/${fake.accountSid}/Messages.json`);
      expect(err).not.toBeInstanceOf(RetryableError);
    } finally {
      await fake.close();
    }
  });

  it('reports a refused connection as retryable, naming only the error code', async () => {
    const fake = await startFakeTwilio();
    await fake.close();
    const api = new TwilioApi({ accountSid: fake.accountSid, authToken: fake.authToken, baseUrl: fake.url, timeoutMs: 2000 });
    const err = (await api.createMessage({ to: '+15551234567', from: '+15557654321', body: 'x' }).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(RetryableError);
    expect(err.message).toBe('Twilio API unreachable: ECONNREFUSED');
  });
});
