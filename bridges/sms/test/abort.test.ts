// Issue 10: an attempt past its deadline is aborted (Bridge.send's signal). A Twilio API that
// accepts and never answers (a fault proxy that hangs): the request is aborted, nothing reaches
// the API late, and the retry sends the text exactly once.
import { afterEach, describe, expect, it } from 'vitest';
import { RetryableError } from '../../../src/core/errors.js';
import { startFaultProxy, type FaultProxy } from '../../../test/helpers/fault-proxy.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { chat, rejection, startSms, uniqueNumber, type SmsHarness } from './sms-setup.js';

let h: SmsHarness | undefined;
let proxy: FaultProxy | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
  await proxy?.close();
  proxy = undefined;
});

describe('SMS send with an abort signal', () => {
  it('a hung Twilio API: the abort ends the request, nothing arrives late, the retry texts once', async () => {
    h = await startSms({ request_timeout_ms: 30_000 }, [], async (url) => {
      proxy = await startFaultProxy({ port: Number(new URL(url).port) });
      return `http://127.0.0.1:${proxy.port}`;
    });
    const p = proxy!;
    const event = chat(h.user, uniqueNumber(), 'through a hung API');
    // A kept-alive connection first, so that the hang holds a request on a live connection.
    await h.bridge.send(chat(h.user, uniqueNumber(), 'warm'), { signal: new AbortController().signal });
    // The private header that carries the signal to axios never leaves the process.
    expect(Object.keys(h.twilio.created()[0]?.headers ?? {}).filter((k) => k.startsWith('x-switchboard'))).toEqual([]);
    expect(h.twilio.created()).toHaveLength(1);
    p.hang(true);
    const abort = new AbortController();
    const sending = h.bridge.send(event, { signal: abort.signal });
    await waitFor(() => p.stats.open >= 1, 'the request on its way');
    const started = Date.now();
    abort.abort(new Error('deadline'));
    const err = await rejection(sending);
    expect(err).toBeInstanceOf(RetryableError);
    expect(Date.now() - started).toBeLessThan(1000);
    // The aborted request's connection is closed: ending the hang passes nothing on.
    await waitFor(() => p.stats.open === 0, 'the hung connection to close');
    p.hang(false);
    await h.bridge.send(event);
    expect(h.twilio.created().filter((r) => r.form.Body?.[0] === 'through a hung API')).toHaveLength(1);
  });

  it('an attempt aborted before it starts sends nothing', async () => {
    h = await startSms();
    const abort = new AbortController();
    abort.abort(new Error('deadline'));
    expect(await rejection(h.bridge.send(chat(h.user, uniqueNumber(), 'never'), { signal: abort.signal }))).toBeInstanceOf(RetryableError);
    expect(h.twilio.requests).toHaveLength(0);
  });
});
