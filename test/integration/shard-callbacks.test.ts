// Sharded mode on ejabberd (issue 14, design.md §5a): an outcome about an outbound message that
// lands on another instance than the one whose slot sent it. Twilio posts a text's status callback
// to the public URL, which the load balancer may give to any instance; the text's delivery state
// (the MessageSid, the stanza id, whether a receipt was asked) is in the sender slot's store. Two
// real gateway processes on one PostgreSQL, each holding its own slot, both connected to the SMS
// component domain (ejabberd balancing it over 2 slots), and the local Twilio-compatible API. The
// instance that did not send takes the callback, and the user still gets the receipt (delivered)
// or the error (undelivered) once: it hands the callback to the slot that knows the text
// (src/core/postgres/shared-handoff.ts). The same for a mail server's bounce (a DSN, RFC 3464)
// given to the SMTP listener of the instance that did not send the mail (swaks as the MTA, the
// aiosmtpd relay).
import { xml } from '@xmpp/client';
import { expect, it } from 'vitest';
import { emailFixtureFile, runSwaks } from '../helpers/email-swaks.js';
import { metric } from '../helpers/gateway-http.js';
import { ALICE_NUMBER, SHARD_MAIL as MAIL, SHARD_PUBLIC as PUBLIC, SHARD_SMS as SMS, useShardStack, type ShardInstance } from '../helpers/shard-stack.js';
import { postSignedWebhook, statusParams } from '../helpers/sms-fake-twilio.js';
import { errorCondition, errorText } from '../helpers/stanza-assert.js';
import { waitFor } from '../helpers/wait.js';

const RECEIPTS = 'urn:xmpp:receipts';

const stack = useShardStack();
const { cluster } = stack;

/**
 * The instance that delivers alice's outbound items of `bridge` (her slot's: ejabberd routes all
 * her stanzas to one), once one is done, and the other.
 */
async function senderOf(bridge: string, a: ShardInstance, b: ShardInstance): Promise<{ sender: ShardInstance; other: ShardInstance }> {
  const sent = async (i: ShardInstance) => metric({ httpPort: i.port }, 'switchboard_deliveries_total', { bridge, direction: 'out', outcome: 'done' });
  const [byA, byB] = (await waitFor(async () => {
    const n = await Promise.all([sent(a), sent(b)]);
    return n[0]! + n[1]! > 0 ? n : undefined;
  }, `alice's ${bridge} item done`))!;
  expect(byA! * byB!, 'one instance sends for alice').toBe(0);
  return byA! > 0 ? { sender: a, other: b } : { sender: b, other: a };
}

const status = (port: number, params: Record<string, string>) =>
  postSignedWebhook({ postUrl: `http://127.0.0.1:${port}/sms/status`, signedUrl: `${PUBLIC}/sms/status`, authToken: stack.twilio.authToken, params });

it('a status callback posted to the instance that did not send the text gives the user the receipt, or the failure, once', { timeout: 120_000 }, async () => {
  const { a, b, alice: user } = await cluster();

  /** Send a text; returns its MessageSid and the instance that did not send it. */
  const text = async (to: string, id: string, body: string) => {
    await user.send(xml('message', { to: `${to}@${SMS}`, type: 'chat', id }, xml('body', {}, body), xml('request', { xmlns: RECEIPTS })));
    const req = await waitFor(() => stack.twilio.created().find((r) => r.form.To?.[0] === to), `Messages.create to ${to}`, 15_000);
    return { sid: req.sid!, ...(await senderOf('sms', a, b)) };
  };
  const receipts = (id: string) => user.received.filter((s) => s.getChild('received', RECEIPTS)?.attrs.id === id);
  const failures = (id: string) => user.received.filter((s) => s.is('message') && s.attrs.type === 'error' && s.attrs.id === id);

  // Delivered: the callbacks go to the other instance (sent, then delivered, then a replay).
  const one = await text('+15557790001', 'shard-receipt-1', 'hello from a slot');
  for (const s of ['sent', 'delivered', 'delivered'])
    expect(
      (await status(one.other.port, statusParams({ accountSid: stack.twilio.accountSid, sid: one.sid, status: s, from: ALICE_NUMBER, to: '+15557790001' }))).status,
    ).toBe(200);
  const receipt = await user.waitForStanza((s) => s.getChild('received', RECEIPTS)?.attrs.id === 'shard-receipt-1', 'the receipt', 15_000);
  expect(receipt.attrs.from).toBe(`+15557790001@${SMS}`);

  // Undelivered: the failure, with Twilio's ErrorCode, reaches the sending resource.
  const two = await text('+15557790002', 'shard-fail-1', 'into the void');
  const failed = statusParams({ accountSid: stack.twilio.accountSid, sid: two.sid, status: 'undelivered', from: ALICE_NUMBER, to: '+15557790002', errorCode: 30005 });
  expect((await status(two.other.port, failed)).status).toBe(200);
  const err = await user.waitForStanza((s) => s.is('message') && s.attrs.type === 'error' && s.attrs.id === 'shard-fail-1', 'the failure', 15_000);
  expect(errorCondition(err)).toBe('item-not-found');
  expect(errorText(err)).toMatch(/30005/);
  // The same callback again, on both instances: nothing more.
  for (const { port } of [a, b]) expect((await status(port, failed)).status).toBe(200);

  // A third text whose callback goes to its own sender proves both queues moved on; then count.
  const three = await text('+15557790003', 'shard-receipt-2', 'marker');
  await status(three.sender.port, statusParams({ accountSid: stack.twilio.accountSid, sid: three.sid, status: 'delivered', from: ALICE_NUMBER, to: '+15557790003' }));
  await user.waitForStanza((s) => s.getChild('received', RECEIPTS)?.attrs.id === 'shard-receipt-2', 'the marker receipt', 15_000);
  expect(receipts('shard-receipt-1')).toHaveLength(1);
  expect(failures('shard-fail-1')).toHaveLength(1);
});

it(
  'a bounce (DSN) given to the SMTP listener of the instance that did not send the mail becomes the failure of that message, once',
  { timeout: 120_000 },
  async () => {
    const { a, b, alice: user } = await cluster();
    const stamp = Date.now().toString(36);
    const nobody = `nobody-${stamp}`;
    await user.send(xml('message', { to: `${nobody}\\40example.com@${MAIL}`, type: 'chat', id: 'shard-bounce-1' }, xml('body', {}, 'to bounce')));
    const sent = await waitFor(
      async () => (await stack.sink.messages()).find((m) => m.rcptTo.includes(`${nobody}@example.com`)),
      'the bouncing mail in the relay',
      15_000,
    );
    const { sender, other } = await senderOf('email', a, b);
    const dsn = emailFixtureFile('dsn.eml', { TO: 'alice@mail.example.org', UNIQUE: stamp, ORIGINAL_ID: sent!.parsed.messageId! });
    const bounce = (port: number) => runSwaks(port, ['--from', '', '--to', 'alice@mail.example.org', '--data', dsn]);
    expect((await bounce(other.smtpPort)).code).toBe(0);
    const failure = await user.waitForStanza((s) => s.attrs.type === 'error' && s.attrs.id === 'shard-bounce-1', 'the failure of the bounced mail', 15_000);
    expect(errorCondition(failure)).toBe('item-not-found');
    expect(errorText(failure)).toMatch(/5\.1\.1/);
    // The same DSN again, on both instances (a retry), is a duplicate; a mail from someone else
    // through the other instance proves its queue moved on; then count.
    for (const i of [other, sender]) expect((await bounce(i.smtpPort)).code).toBe(0);
    const marker = await runSwaks(other.smtpPort, [
      '--from',
      'carol@example.com',
      '--to',
      'alice@mail.example.org',
      '--header',
      `Message-Id: <m-${stamp}@example.com>`,
      '--body',
      `marker ${stamp}`,
    ]);
    expect(marker.code).toBe(0);
    await user.waitForStanza((s) => (s.getChildText('body') ?? '').includes(`marker ${stamp}`), 'the marker mail', 15_000);
    expect(user.received.filter((s) => s.attrs.type === 'error' && s.attrs.id === 'shard-bounce-1')).toHaveLength(1);
    // The report was not also delivered as a mail.
    expect(user.received.filter((s) => (s.getChildText('body') ?? '').includes('could not'))).toEqual([]);
  },
);
