import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RetryableError, StanzaError } from '../../../src/core/errors.js';
import type { Inbound, Outbound } from '../../../src/core/model.js';
import { startSmtpSink, type SmtpSink } from '../../../test/helpers/email-smtp-sink.js';
import { runSwaks } from '../../../test/helpers/email-swaks.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { startEmailBridge, unique, type EmailHarness } from './support.js';

type Msg = Extract<Outbound, { kind: 'message' }>;

let sink: SmtpSink;
let h: EmailHarness | undefined;
beforeAll(async () => {
  sink = await startSmtpSink();
});
afterAll(async () => {
  await sink.dispose();
});
afterEach(async () => {
  sink.setMode('ok');
  await h?.close();
  h = undefined;
});

async function setup(options: Record<string, unknown> = {}): Promise<{ h: EmailHarness; user: string; address: string; local: string }> {
  const local = unique('o');
  const user = `${local}@example.org`;
  h = await startEmailBridge({
    users: [user],
    options: {
      relay: { host: '127.0.0.1', port: sink.port, timeout_ms: 2000 },
      addresses: { pattern: '{local}@mail.example.org', user_domain: 'example.org', display_name: '{local} (XMPP)' },
      ...options,
    },
  });
  return { h, user, address: `${local}@mail.example.org`, local };
}

function message(user: string, to: string, body: string, extra: Partial<Msg> = {}): Msg {
  return { kind: 'message', type: 'chat', user, to, body, receiptRequested: false, id: unique('x'), ...extra };
}

async function sinkMessageTo(rcpt: string, n = 1) {
  return waitFor(async () => {
    const all = (await sink.messages()).filter((m) => m.rcptTo.includes(rcpt));
    return all.length >= n ? all : undefined;
  }, `${n} mail(s) to ${rcpt} in the sink`);
}

describe('email outbound through a real SMTP relay', () => {
  it('sends a chat message as a text/plain mail with From, To, Subject and Message-ID', async () => {
    const { h, user, address, local } = await setup();
    const rcpt = `${unique('dave')}@example.com`;
    const event = message(user, rcpt.replace('@', '\\40'), 'Hello Dave, ünïcode ✓');
    const result = await h.bridge.send(event);
    const [mail] = await sinkMessageTo(rcpt);
    const p = mail!.parsed;
    expect(p.from?.value[0]).toEqual({ address, name: `${local} (XMPP)` });
    expect(p.to && !Array.isArray(p.to) ? p.to.value[0]?.address : undefined).toBe(rcpt);
    expect(p.subject).toBe('Message from XMPP');
    expect(p.messageId).toBe(result.networkId);
    expect(p.messageId).toMatch(/^<[0-9a-f]{32}@mail\.example\.org>$/);
    expect(p.text?.trim()).toBe('Hello Dave, ünïcode ✓');
    expect(String(p.headers.get('content-type') && (p.headers.get('content-type') as { value: string }).value)).toBe('text/plain');
    expect(mail!.mailFrom).toBe(address);
    expect(h.t.ctx.messages.byNetworkId(result.networkId!)).toMatchObject({ user, xmppId: event.id, peer: event.to });
  });

  it('sends one outbox item twice (a redelivery after a crash) with the same Message-ID, another item with another (issue 10)', async () => {
    const { h, user } = await setup();
    const rcpt = `${unique('erin')}@example.com`;
    const to = rcpt.replace('@', '\\40');
    const first = await h.bridge.send(message(user, to, 'once'), { itemId: 'item-1' });
    const again = await h.bridge.send(message(user, to, 'once'), { itemId: 'item-1' });
    const other = await h.bridge.send(message(user, to, 'twice'), { itemId: 'item-2' });
    const mails = await sinkMessageTo(rcpt, 3);
    expect(mails.map((m) => m.parsed.messageId)).toEqual([first.networkId, again.networkId, other.networkId]);
    expect(again.networkId).toBe(first.networkId);
    expect(other.networkId).not.toBe(first.networkId);
    expect(first.networkId).toMatch(/^<[0-9a-f]{32}@mail\.example\.org>$/);
  });

  it('uses the XMPP subject, then "Re: subject" with In-Reply-To and References in the same thread', async () => {
    const { h, user } = await setup();
    const rcpt = `${unique('erin')}@example.com`;
    const to = rcpt.replace('@', '\\40');
    const first = await h.bridge.send(message(user, to, 'one', { subject: 'Trip', thread: 't-1' }));
    const second = await h.bridge.send(message(user, to, 'two', { thread: 't-1' }));
    const third = await h.bridge.send(message(user, to, 'three', { thread: 't-1' }));
    const mails = await sinkMessageTo(rcpt, 3);
    const [a, b, c] = mails.map((m) => m.parsed);
    expect(a!.subject).toBe('Trip');
    expect(a!.inReplyTo).toBeUndefined();
    expect(b!.subject).toBe('Re: Trip');
    expect(b!.inReplyTo).toBe(first.networkId);
    expect(b!.references).toBe(first.networkId);
    expect(c!.inReplyTo).toBe(second.networkId);
    expect(c!.references).toEqual([first.networkId, second.networkId]);
    expect(third.networkId).toBe(c!.messageId);
  });

  it('cannot be used for header injection through the subject or the address', async () => {
    const { h, user } = await setup();
    const rcpt = `${unique('frank')}@example.com`;
    await h.bridge.send(message(user, rcpt.replace('@', '\\40'), 'body', { subject: 'Hi\r\nBcc: victim@example.net\r\nX-Evil: 1' }));
    const [mail] = await sinkMessageTo(rcpt);
    expect(mail!.parsed.headers.has('bcc')).toBe(false);
    expect(mail!.parsed.headers.has('x-evil')).toBe(false);
    expect(mail!.rcptTo).toEqual([rcpt]);
    expect(mail!.parsed.subject).toBe('Hi Bcc: victim@example.net X-Evil: 1');
    for (const bad of ['a\\40b.com%0d%0aBcc:x', 'a\r\nb\\40example.com', 'a\\40example.com\nBcc: x@y.z', 'no-at-sign']) {
      await expect(h.bridge.send(message(user, bad, 'x'))).rejects.toMatchObject({ condition: 'jid-malformed' });
    }
  });

  it('turns a relay 4xx into a RetryableError and a 5xx into a StanzaError with the relay text', async () => {
    const { h, user } = await setup();
    const to = `${unique('gina')}\\40example.com`;
    sink.setMode('451');
    const temp = await h.bridge.send(message(user, to, 'x')).catch((e: unknown) => e);
    expect(temp).toBeInstanceOf(RetryableError);
    sink.setMode('550');
    const perm = await h.bridge.send(message(user, to, 'x')).catch((e: unknown) => e);
    expect(perm).toBeInstanceOf(StanzaError);
    expect((perm as StanzaError).condition).toBe('forbidden');
    expect((perm as StanzaError).message).toContain('550 5.7.1 Message rejected by local policy');
    sink.setMode('rcpt550');
    const rcpt = await h.bridge.send(message(user, to, 'x')).catch((e: unknown) => e);
    expect((rcpt as StanzaError).condition).toBe('item-not-found');
  });

  it('reports the relay down as RetryableError and unhealthy, then delivers once when it is back', async () => {
    const { h, user } = await setup({ relay: { host: '127.0.0.1', port: sink.port, timeout_ms: 2000, pool: false } });
    const rcpt = `${unique('hank')}@example.com`;
    const event = message(user, rcpt.replace('@', '\\40'), 'survives an outage');
    await sink.stop();
    try {
      const err = await h.bridge.send(event).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RetryableError);
      expect(h.t.health.at(-1)).toMatchObject({ canDeliver: false });
      expect(h.t.health.at(-1)!.reason).toMatch(/unreachable/);
    } finally {
      await sink.start();
    }
    await h.bridge.send(event); // the outbox's retry
    expect(h.t.health.at(-1)).toEqual({ canDeliver: true });
    expect(await sinkMessageTo(rcpt)).toHaveLength(1);
  });

  it('limits each user to the configured rate with policy-violation', async () => {
    const { h, user } = await setup({ rate_limit_per_minute: 2 });
    const to = `${unique('ivy')}\\40example.com`;
    await h.bridge.send(message(user, to, '1'));
    await h.bridge.send(message(user, to, '2'));
    await expect(h.bridge.send(message(user, to, '3'))).rejects.toMatchObject({ condition: 'policy-violation' });
  });

  it('keeps a thread across XMPP → email → reply → XMPP', async () => {
    const { h, user, address } = await setup();
    const rcpt = `${unique('jo')}@example.com`;
    const to = rcpt.replace('@', '\\40');
    const sent = await h.bridge.send(message(user, to, 'Shall we?', { subject: 'Dinner', thread: 'xmpp-thread-7' }));
    const [mail] = await sinkMessageTo(rcpt);
    const reply = await runSwaks(h.smtpPort, [
      '--from', rcpt, '--to', address,
      '--header', `Message-Id: <${unique('reply')}@example.com>`,
      '--header', `In-Reply-To: ${mail!.parsed.messageId}`,
      '--header', `References: ${sent.networkId}`,
      '--header', 'Subject: Re: Dinner',
      '--body', `Yes!\n\nOn Monday you wrote:\n> Shall we?\n`,
    ]);
    expect(reply.code, reply.output).toBe(0);
    const got = h.t.inbound().filter((e): e is Extract<Inbound, { kind: 'message' }> => e.kind === 'message');
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ user, from: to, body: 'Yes!', thread: 'xmpp-thread-7' });
    expect(got[0]!.subject).toBeUndefined();
    // And the next XMPP message in that thread answers the reply.
    await h.bridge.send(message(user, to, 'Great', { thread: 'xmpp-thread-7' }));
    const mails = await sinkMessageTo(rcpt, 2);
    expect(mails[1]!.parsed.subject).toBe('Re: Dinner');
    expect(mails[1]!.parsed.references).toContain(sent.networkId);
  });

  it('turns a DSN for a sent message into a failed receipt for the original XMPP id', async () => {
    const { h, user, address } = await setup();
    const to = `${unique('nobody')}\\40example.com`;
    const event = message(user, to, 'will bounce', { resource: 'phone' });
    const sent = await h.bridge.send(event);
    const { emailFixtureFile } = await import('../../../test/helpers/email-swaks.js');
    const file = emailFixtureFile('dsn.eml', { TO: address, UNIQUE: unique('dsn'), ORIGINAL_ID: sent.networkId! });
    const r = await runSwaks(h.smtpPort, ['--from', '', '--to', address, '--data', file]);
    expect(r.code, r.output).toBe(0);
    const receipts = h.t.inbound().filter((e) => e.kind === 'receipt');
    expect(receipts).toHaveLength(1);
    expect(receipts[0]).toMatchObject({ user, from: to, id: event.id, state: 'failed', condition: 'item-not-found', toResource: 'phone' });
    expect((receipts[0] as { text: string }).text).toContain('User unknown');
  });
});
