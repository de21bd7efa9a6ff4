// Email and modern clients (issue 12), against the real aiosmtpd relay sink: retractions and
// reactions are refused in words with no mail sent, chat states dropped, and a reply (its quote
// already removed by the decoder) mails its own text in the conversation's thread as today.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { StanzaError } from '../../../src/core/errors.js';
import type { Outbound } from '../../../src/core/model.js';
import { startSmtpSink, type SmtpSink } from '../../../test/helpers/email-smtp-sink.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { startEmailBridge, unique, type EmailHarness } from './support.js';

let sink: SmtpSink;
let h: EmailHarness | undefined;
beforeAll(async () => {
  sink = await startSmtpSink();
});
afterAll(async () => {
  await sink.dispose();
});
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function setup() {
  const local = unique('m');
  const user = `${local}@example.org`;
  h = await startEmailBridge({ users: [user], options: { relay: { host: '127.0.0.1', port: sink.port, timeout_ms: 2000 }, addresses: { pattern: '{local}@mail.example.org', user_domain: 'example.org' } } });
  const contact = `${unique('c')}@example.com`;
  return { h, user, contact, to: contact.replace('@', '\\40') };
}

async function refusal(p: Promise<unknown>): Promise<StanzaError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof StanzaError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('email and modern clients', () => {
  it('refuses retractions and reactions with feature-not-implemented, drops chat states, mails nothing', async () => {
    const { h, user, contact, to } = await setup();
    const retraction: Outbound = { kind: 'retraction', type: 'chat', user, to, retracts: 'm1', id: 'r1' };
    expect(await refusal(h.bridge.send(retraction))).toMatchObject({ condition: 'feature-not-implemented', type: 'cancel', message: expect.stringMatching(/Email cannot unsend/) });
    const reaction: Outbound = { kind: 'reaction', type: 'chat', user, to, reactsTo: 'm1', emojis: ['👍'], id: 'x1' };
    expect(await refusal(h.bridge.send(reaction))).toMatchObject({ condition: 'feature-not-implemented', message: expect.stringMatching(/no reactions/) });
    expect(await h.bridge.send({ kind: 'chatstate', type: 'chat', user, to, state: 'composing' })).toEqual({});
    // A message afterwards is the only mail the contact gets.
    await h.bridge.send({ kind: 'message', type: 'chat', user, to, body: 'only this', id: 'm2', receiptRequested: false });
    const mails = await waitFor(async () => {
      const all = (await sink.messages()).filter((m) => m.rcptTo.includes(contact));
      return all.length > 0 ? all : undefined;
    }, 'the mail');
    expect(mails.map((m) => (m.parsed.text ?? '').trim())).toEqual(['only this']);
  });

  it('mails a reply as its own text, In-Reply-To the thread as before', async () => {
    const { h, user, contact, to } = await setup();
    await h.bridge.send({ kind: 'message', type: 'chat', user, to, body: 'first', id: 'm1', receiptRequested: false });
    await h.bridge.send({ kind: 'message', type: 'chat', user, to, body: 'the answer', id: 'm2', receiptRequested: false, replyTo: { id: 'm1' } });
    const mails = await waitFor(async () => {
      const all = (await sink.messages()).filter((m) => m.rcptTo.includes(contact));
      return all.length >= 2 ? all : undefined;
    }, 'two mails');
    const [first, reply] = mails;
    expect((reply!.parsed.text ?? '').trim()).toBe('the answer');
    expect(reply!.parsed.inReplyTo).toBe(first!.parsed.messageId);
  });
});
