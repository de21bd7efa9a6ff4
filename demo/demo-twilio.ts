/**
 * The SMS bridge in the demo: the local Twilio-compatible API of the tests (sms-fake-twilio.ts),
 * in the demo's own process. Texts the users send are logged (file and terminal) and answered
 * with "sent" then "delivered" status callbacks, so clients get their delivery receipts.
 */
import { appendFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { DemoBridge } from './demo-bridge-types.js';
import { postSignedWebhook, statusParams, startFakeTwilio, type FakeTwilio, type RecordedRequest } from '../test/helpers/sms-fake-twilio.js';
import { repoRoot } from '../test/helpers/repo.js';

/** Fictional numbers (555-01xx) the demo users send from and receive on. */
const NUMBERS = ['+15555550100', '+15555550101'];

/** The script a user runs to make a text arrive (built to dist/ by `npm run demo`). */
export function demoSmsCommand(from: string, body: string): string {
  const script = relative(process.cwd(), join(repoRoot(), 'dist', 'demo', 'demo-sms.js')) || 'demo-sms.js';
  return `node ${script} "${from}" "${body}"`;
}

async function reportDelivered(twilio: FakeTwilio, req: RecordedRequest): Promise<void> {
  const callback = req.form['StatusCallback']?.[0];
  const [from, to] = [req.form['From']?.[0] ?? '', req.form['To']?.[0] ?? ''];
  if (!callback || !req.sid) return;
  for (const status of ['sent', 'delivered']) {
    await postSignedWebhook({
      postUrl: callback,
      signedUrl: callback,
      authToken: twilio.authToken,
      params: statusParams({ accountSid: twilio.accountSid, sid: req.sid, status, from, to }),
    });
  }
}

/**
 * Follow the fake's request list. It has no event hook (it is the tests' helper, made for
 * asserting after the fact), so a short poll is the simplest way to log while the demo runs.
 */
function watch(twilio: FakeTwilio, log: string): () => void {
  let seen = 0;
  const timer = setInterval(() => {
    for (; seen < twilio.requests.length; seen++) {
      const req = twilio.requests[seen]!;
      if (req.status !== 201) continue; // the bridge's own retries and probes are in the gateway log
      const media = (req.form['MediaUrl'] ?? []).map((u) => ` [media ${u}]`).join('');
      const line = `${new Date().toISOString()} SMS ${req.sid} from ${req.form['From']?.[0]} to ${req.form['To']?.[0]}: ${req.form['Body']?.[0] ?? ''}${media}`;
      appendFileSync(log, `${line}\n`);
      console.log(`[fake Twilio] ${line}`);
      reportDelivered(twilio, req).catch((err: unknown) => appendFileSync(log, `status callback failed: ${(err as Error).message}\n`));
    }
  }, 250);
  return () => clearInterval(timer);
}

export const smsDemo: DemoBridge = {
  id: 'sms',
  subdomain: 'sms',
  async startPeer({ stateDir, bridgeDomain, users, httpUrl }) {
    const twilio = await startFakeTwilio();
    const log = join(stateDir, 'twilio.log');
    const unwatch = watch(twilio, log);
    const numbers = Object.fromEntries(users.slice(0, NUMBERS.length).map((jid, i) => [jid, NUMBERS[i]!]));
    const info: Record<string, string> = { accountSid: twilio.accountSid, authToken: twilio.authToken, inboundUrl: `${httpUrl}/sms/inbound`, log };
    for (const [jid, n] of Object.entries(numbers)) info[`number_${jid.split('@')[0]}`] = n;
    const [alice] = users;
    return {
      options: {
        account_sid: twilio.accountSid,
        auth_token: twilio.authToken,
        api_base_url: twilio.url,
        numbers,
      },
      info,
      tryLines: [
        `${alice} has the SMS number ${NUMBERS[0]} (bob: ${NUMBERS[1]}). Make a text arrive from +15551234567:`,
        `    ${demoSmsCommand('+15551234567', 'hello from a phone')}`,
        `  (a third argument sends it to another demo number). Reply to +15551234567@${bridgeDomain}, or text any`,
        `  +1555…@${bridgeDomain}: the fake Twilio logs it here and in ${log}, and reports it delivered.`,
      ],
      stop: async () => {
        unwatch();
        await twilio.close();
      },
    };
  },
};
