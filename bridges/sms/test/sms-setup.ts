/** Shared set-up of the SMS adapter tests: a real BridgeContext, a fake Twilio, a started bridge. */
import { randomBytes } from 'node:crypto';
import { createTestContext, type TestBridgeContext } from '../../../test/helpers/bridge-context.js';
import { startFakeTwilio, type FakeTwilio } from '../../../test/helpers/sms-fake-twilio.js';
import type { Outbound } from '../../../src/core/model.js';
import { SmsBridge } from '../adapter.js';
import { smsConfigSchema } from '../config.js';

export const PUBLIC_URL = 'https://gw.example.org';
export const SMS_PUBLIC = `${PUBLIC_URL}/sms`;

export interface SmsHarness {
  t: TestBridgeContext;
  twilio: FakeTwilio;
  bridge: SmsBridge;
  /** A unique XMPP user with its own Twilio number. */
  user: string;
  number: string;
  close(): Promise<void>;
}

let counter = 0;

/** A unique E.164 number in the fictional 555 range. */
export function uniqueNumber(): string {
  counter += 1;
  return `+1555${String(process.pid % 1000).padStart(3, '0')}${String(counter).padStart(4, '0')}`;
}

/** `apiUrl` puts something (a fault proxy) between the bridge and the fake API. */
export async function startSms(
  options: Record<string, unknown> = {},
  admins: string[] = [],
  apiUrl: (twilioUrl: string) => Promise<string> | string = (url) => url,
): Promise<SmsHarness> {
  const twilio = await startFakeTwilio();
  const user = `u${randomBytes(4).toString('hex')}@example.org`;
  const number = uniqueNumber();
  const t = await createTestContext({ id: 'sms', domain: 'sms.example.org', users: [user], admins, http: true, publicUrl: PUBLIC_URL });
  const config = smsConfigSchema.parse({
    account_sid: twilio.accountSid,
    auth_token: twilio.authToken,
    api_base_url: await apiUrl(twilio.url),
    request_timeout_ms: 2000,
    numbers: { [user]: number },
    ...options,
  });
  const bridge = new SmsBridge(t.ctx, config);
  await bridge.start();
  return {
    t,
    twilio,
    bridge,
    user,
    number,
    async close() {
      await bridge.stop();
      await t.close();
      await twilio.close();
    },
  };
}

export function chat(user: string, to: string, body: string, extra: Partial<Extract<Outbound, { kind: 'message' }>> = {}): Outbound {
  return { kind: 'message', type: 'chat', user, to, body, id: `m-${randomBytes(4).toString('hex')}`, receiptRequested: true, ...extra };
}

/** Await a promise expected to reject, and return what it rejected with. */
export async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}
