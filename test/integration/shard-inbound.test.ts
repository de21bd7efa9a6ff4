// Sharded mode on ejabberd (issue 14, design.md §5a): inbound SMTP and webhooks may land on any
// instance and still reach the user once. Two real gateway processes on one PostgreSQL, each
// holding its own slot, both connected to the SMS and email component domains (ejabberd balancing
// each over 2 slots), a local Twilio-compatible API, swaks as the sender's MTA and the aiosmtpd
// relay. The same signed webhook (same MessageSid), or the same mail (same Message-ID), given to
// both instances, one after the other (a retry elsewhere after an acknowledgement that was lost)
// and at once, is acknowledged by both and reaches the user once (src/core/postgres/shared-dedupe.ts).
import { expect, it } from 'vitest';
import { runSwaks } from '../helpers/email-swaks.js';
import { inboundParams, postSignedWebhook } from '../helpers/sms-fake-twilio.js';
import { ALICE_NUMBER, SHARD_PUBLIC as PUBLIC, useShardStack } from '../helpers/shard-stack.js';

const SENDER = '+15557780001';

const stack = useShardStack();
const { cluster } = stack;

const webhook = (port: number, params: Record<string, string>) =>
  postSignedWebhook({ postUrl: `http://127.0.0.1:${port}/sms/inbound`, signedUrl: `${PUBLIC}/sms/inbound`, authToken: stack.twilio.authToken, params });

it('the same Twilio webhook posted to both instances, in turn and at once, reaches the user once', { timeout: 120_000 }, async () => {
  const { a, b, alice } = await cluster();
  const bodies = (text: string) => alice.received.filter((s) => s.is('message') && s.getChildText('body') === text);

  // In turn: A acknowledges, then Twilio's retry lands on B.
  const retried = inboundParams({ accountSid: stack.twilio.accountSid, from: SENDER, to: ALICE_NUMBER, body: 'retried on the other instance' });
  expect((await webhook(a.port, retried)).status).toBe(200);
  expect((await webhook(b.port, retried)).status).toBe(200);
  // At once, on both.
  const raced = inboundParams({ accountSid: stack.twilio.accountSid, from: SENDER, to: ALICE_NUMBER, body: 'posted to both at once' });
  const statuses = await Promise.all([webhook(a.port, raced), webhook(b.port, raced)]);
  expect(statuses.map((r) => r.status)).toEqual([200, 200]);

  // A later message from the same sender, on each instance, proves both queues moved on.
  for (const [i, { port }] of [a, b].entries()) {
    const marker = inboundParams({ accountSid: stack.twilio.accountSid, from: SENDER, to: ALICE_NUMBER, body: `marker ${i}` });
    expect((await webhook(port, marker)).status).toBe(200);
    await alice.waitForStanza((s) => s.getChildText('body') === marker.Body, `marker ${i}`, 15_000);
  }
  await alice.waitForStanza((s) => s.getChildText('body') === retried.Body, 'the retried SMS', 15_000);
  await alice.waitForStanza((s) => s.getChildText('body') === raced.Body, 'the raced SMS', 15_000);
  expect(bodies(retried.Body!)).toHaveLength(1);
  expect(bodies(raced.Body!)).toHaveLength(1);
  expect(alice.received.filter((s) => s.attrs.type === 'error')).toEqual([]);
});

it('the same mail (same Message-ID) given to the SMTP listeners of both instances, in turn and at once, reaches the user once', { timeout: 120_000 }, async () => {
  const { a, b, alice } = await cluster();
  const mail = (port: number, text: string, id: string) =>
    runSwaks(port, ['--from', 'carol@example.com', '--to', 'alice@mail.example.org', '--header', `Message-Id: <${id}@example.com>`, '--body', text]);
  const copies = (text: string) => alice.received.filter((s) => s.is('message') && s.attrs.type !== 'error' && (s.getChildText('body') ?? '').includes(text));

  const stamp = Date.now().toString(36);
  expect((await mail(a.smtpPort, 'retried mail', `retried-${stamp}`)).code).toBe(0);
  expect((await mail(b.smtpPort, 'retried mail', `retried-${stamp}`)).code).toBe(0);
  const raced = await Promise.all([mail(a.smtpPort, 'raced mail', `raced-${stamp}`), mail(b.smtpPort, 'raced mail', `raced-${stamp}`)]);
  expect(raced.map((r) => r.code)).toEqual([0, 0]);
  // A later mail from the same sender, on each instance, proves both queues moved on.
  for (const [i, { smtpPort }] of [a, b].entries()) {
    expect((await mail(smtpPort, `mail marker ${i}`, `marker-${i}-${stamp}`)).code).toBe(0);
    await alice.waitForStanza((s) => (s.getChildText('body') ?? '').includes(`mail marker ${i}`), `mail marker ${i}`, 15_000);
  }
  expect(copies('retried mail')).toHaveLength(1);
  expect(copies('raced mail')).toHaveLength(1);
});
