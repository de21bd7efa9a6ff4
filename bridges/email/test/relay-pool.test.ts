// Issue 10 item 2, the proven cause of the outbound stall: nodemailer's pool (7.x) keeps a
// resource whose `getSocket` hook failed as busy forever (pool-resource.js `connect` returns the
// error to the send without emitting 'error', so the pool never removes it). After
// `max_connections` refused connections every slot is such a zombie and the next sendMail never
// settles. Reproduced before the fix with one slot: refuse once, and the next send hangs.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Outbound } from '../../../src/core/model.js';
import { RetryableError } from '../../../src/core/errors.js';
import { startFaultProxy, type FaultProxy } from '../../../test/helpers/fault-proxy.js';
import { startSmtpSink, type SmtpSink } from '../../../test/helpers/email-smtp-sink.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { startEmailBridge, unique, type EmailHarness } from './support.js';

type Msg = Extract<Outbound, { kind: 'message' }>;

let sink: SmtpSink;
let proxy: FaultProxy | undefined;
let h: EmailHarness | undefined;

beforeAll(async () => {
  sink = await startSmtpSink();
});
afterAll(async () => {
  await sink.dispose();
});
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
  await h?.close();
  h = undefined;
});

/** Settles within `ms`, or rejects saying the send hung (the defect). */
function within<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_r, reject) => {
    timer = setTimeout(() => reject(new Error(`send() did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([p, hung]).finally(() => clearTimeout(timer));
}

describe.each([1, 3])('email relay pool with max_connections %i', (slots) => {
  it('more refused connections than the pool has slots: the next send still goes out', async () => {
    const p = await startFaultProxy({ port: sink.port });
    proxy = p;
    const local = unique('pool');
    const user = `${local}@example.org`;
    h = await startEmailBridge({ users: [user], options: { relay: { host: '127.0.0.1', port: p.port, timeout_ms: 2000, pool: true, max_connections: slots } } });
    await waitFor(() => p.stats.forwarded >= 1 && p.stats.open === 0, 'the start-up relay check');
    const rcpt = `${unique('rc')}@example.com`;
    const msg = (body: string): Msg => ({ kind: 'message', type: 'chat', user, to: rcpt.replace('@', '\\40'), body, receiptRequested: false, id: unique('x') });
    await p.down();
    for (let i = 0; i < slots + 1; i++) {
      await expect(within(h.bridge.send(msg(`refused ${i}`)), 5000)).rejects.toBeInstanceOf(RetryableError);
    }
    await p.up();
    await within(h.bridge.send(msg('after')), 5000);
    const mails = await waitFor(async () => {
      const all = (await sink.messages()).filter((m) => m.rcptTo.includes(rcpt));
      return all.length >= 1 ? all : undefined;
    }, 'the mail after the outage');
    expect(mails.map((m) => m.parsed.text?.trim())).toEqual(['after']);
  });
});
