// SMS and modern clients (issue 12), against the local Twilio API: reactions refused by default
// or sent as short texts (`reactions: text`), retractions refused with nothing sent, chat states
// dropped, and phones' tapbacks turned into XEP-0444 reactions on the recent text they quote.
import { afterEach, describe, expect, it } from 'vitest';
import type { Outbound } from '../../../src/core/model.js';
import { StanzaError } from '../../../src/core/errors.js';
import { inboundParams, postSignedWebhook } from '../../../test/helpers/sms-fake-twilio.js';
import { chat, rejection, SMS_PUBLIC, startSms, uniqueNumber, type SmsHarness } from './sms-setup.js';

let h: SmsHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const DINNER = 'Are we still on for dinner at eight tonight?';

function react(user: string, to: string, reactsTo: string, emojis: string[], id = `x-${Math.random().toString(36).slice(2)}`): Outbound {
  return { kind: 'reaction', type: 'chat', user, to, reactsTo, emojis, id };
}

async function phoneSays(harness: SmsHarness, from: string, body: string) {
  const params = inboundParams({ accountSid: harness.twilio.accountSid, from, to: harness.number, body });
  const res = await postSignedWebhook({ postUrl: `${harness.t.baseUrl}/sms/inbound`, signedUrl: `${SMS_PUBLIC}/inbound`, authToken: harness.twilio.authToken, params });
  expect(res.status).toBe(200);
  return params.MessageSid!;
}

const bodies = (harness: SmsHarness) => harness.twilio.created().map((r) => r.form.Body?.[0]);

describe('reactions from XMPP users', () => {
  it('are refused by default with feature-not-implemented and cost nothing', async () => {
    h = await startSms();
    const to = uniqueNumber();
    await h.bridge.send(chat(h.user, to, DINNER, { id: 'm1' }));
    const err = (await rejection(h.bridge.send(react(h.user, to, 'm1', ['👍'])))) as StanzaError;
    expect(err).toBeInstanceOf(StanzaError);
    expect(err).toMatchObject({ condition: 'feature-not-implemented', type: 'cancel' });
    expect(err.message).toMatch(/paid text.*reactions: text.*Nothing was sent/);
    expect(bodies(h)).toEqual([DINNER]);
  });

  it('with reactions: text, go as a short text quoting the message, one per added emoji set', async () => {
    h = await startSms({ reactions: 'text' });
    const to = uniqueNumber();
    await h.bridge.send(chat(h.user, to, DINNER, { id: 'm1', originId: 'o1' }));
    await h.bridge.send(react(h.user, to, 'm1', ['👍']));
    // XEP-0444 sends the whole set: only what was added goes out. The origin-id names it too.
    await h.bridge.send(react(h.user, to, 'o1', ['👍', '❤️']));
    expect(bodies(h)).toEqual([DINNER, '👍 to "Are we still on for dinner…"', '❤️ to "Are we still on for dinner…"']);
  });

  it('with reactions: text, a removal is refused: a sent text cannot be taken back', async () => {
    h = await startSms({ reactions: 'text' });
    const to = uniqueNumber();
    await h.bridge.send(chat(h.user, to, 'lunch?', { id: 'm1' }));
    await h.bridge.send(react(h.user, to, 'm1', ['👍']));
    const err = (await rejection(h.bridge.send(react(h.user, to, 'm1', [])))) as StanzaError;
    expect(err.message).toMatch(/cannot take a reaction back/);
    expect(bodies(h)).toEqual(['lunch?', '👍 to "lunch?"']);
  });

  it('with reactions: text, a reaction to a message the bridge no longer knows sends the emoji alone', async () => {
    h = await startSms({ reactions: 'text' });
    await h.bridge.send(react(h.user, uniqueNumber(), 'long-gone', ['🎉']));
    expect(bodies(h)).toEqual(['🎉']);
  });
});

describe('retractions and chat states', () => {
  it('refuse a retraction in words and send nothing; drop chat states silently', async () => {
    h = await startSms();
    const to = uniqueNumber();
    const err = (await rejection(h.bridge.send({ kind: 'retraction', type: 'chat', user: h.user, to, retracts: 'm1', id: 'r1' }))) as StanzaError;
    expect(err).toMatchObject({ condition: 'feature-not-implemented', message: 'SMS cannot unsend a text; it was already delivered. Nothing was sent.' });
    expect(await h.bridge.send({ kind: 'chatstate', type: 'chat', user: h.user, to, state: 'composing' })).toEqual({});
    expect(h.twilio.created()).toEqual([]);
  });
});

describe('tapbacks from phones', () => {
  it('become XEP-0444 reactions on the user’s text they quote, the whole set each time', async () => {
    h = await startSms();
    const phone = uniqueNumber();
    await h.bridge.send(chat(h.user, phone, DINNER, { id: 'm1' }));
    await phoneSays(h, phone, `Loved “${DINNER}”`);
    await phoneSays(h, phone, 'Reacted 🎉 to “Are we still on for dinner…”');
    await phoneSays(h, phone, `Removed a heart from “${DINNER}”`);
    expect(h.t.inbound()).toEqual([
      { kind: 'reaction', user: h.user, from: phone, type: 'chat', reactsTo: 'm1', emojis: ['❤️'] },
      { kind: 'reaction', user: h.user, from: phone, type: 'chat', reactsTo: 'm1', emojis: ['❤️', '🎉'] },
      { kind: 'reaction', user: h.user, from: phone, type: 'chat', reactsTo: 'm1', emojis: ['🎉'] },
    ]);
  });

  it('become reactions on the phone’s own earlier text too (matched in both directions), by its MessageSid', async () => {
    h = await startSms();
    const phone = uniqueNumber();
    const sid = await phoneSays(h, phone, 'running late');
    await phoneSays(h, phone, 'Emphasized “running late”');
    expect(h.t.inbound()).toEqual([
      { kind: 'message', user: h.user, from: phone, type: 'chat', body: 'running late', id: sid },
      { kind: 'reaction', user: h.user, from: phone, type: 'chat', reactsTo: sid, emojis: ['‼️'] },
    ]);
  });

  it('stay texts when nothing recent in that conversation matches the quote', async () => {
    h = await startSms();
    const phone = uniqueNumber();
    await h.bridge.send(chat(h.user, uniqueNumber(), 'said to someone else', { id: 'm1' }));
    await phoneSays(h, phone, 'Liked “said to someone else”');
    expect(h.t.inbound()).toMatchObject([{ kind: 'message', body: 'Liked “said to someone else”' }]);
  });
});

describe('the recent texts a tapback can match', () => {
  it('match a long text by its start, whether the phone cut the quote or the bridge cut what it kept', async () => {
    h = await startSms();
    const phone = uniqueNumber();
    const long = `${'word '.repeat(60)}end`;
    await h.bridge.send(chat(h.user, phone, long, { id: 'long1' }));
    await phoneSays(h, phone, `Liked “${long}”`);
    await phoneSays(h, phone, `Loved “${long.slice(0, 30)}…”`);
    expect(h.t.inbound()).toMatchObject([
      { kind: 'reaction', reactsTo: 'long1', emojis: ['👍'] },
      { kind: 'reaction', reactsTo: 'long1', emojis: ['👍', '❤️'] },
    ]);
  });

  it('keep only the last MAX_RECENT texts of a conversation', async () => {
    h = await startSms({ limits: { per_minute: 1000 } });
    const phone = uniqueNumber();
    const { MAX_RECENT } = await import('../recent.js');
    for (let i = 0; i <= MAX_RECENT; i++) await h.bridge.send(chat(h.user, phone, `text number ${i}`, { id: `n${i}` }));
    // A tapback is no text of its own; an unmatched one is, and would push the oldest out: match first.
    await phoneSays(h, phone, 'Liked “text number 1”');
    await phoneSays(h, phone, 'Liked “text number 0”');
    expect(h.t.inbound()).toMatchObject([{ kind: 'reaction', reactsTo: 'n1' }, { kind: 'message', body: 'Liked “text number 0”' }]);
  });
});
