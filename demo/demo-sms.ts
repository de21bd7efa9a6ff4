/**
 * Make an SMS arrive in a running demo, as Twilio would deliver it:
 *   node dist/demo/demo-sms.js "+15551234567" "hello" [to-number]
 * `to` defaults to alice's number. Exits 0 when the gateway accepted the webhook.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DemoState } from './demo-banner.js';
import { postDemoSms, smsDemoInfo } from './demo-sms-webhook.js';
import { repoRoot } from '../test/helpers/repo.js';

const [from, body, toArg] = process.argv.slice(2);
if (!from || body === undefined) {
  console.error('usage: node dist/demo/demo-sms.js "+15551234567" "hello" [to-number]');
  process.exit(64);
}
const dir = process.env['SWITCHBOARD_DEMO_DIR'] ?? join(repoRoot(), '.demo');
const state = JSON.parse(readFileSync(join(dir, 'demo.json'), 'utf8')) as DemoState;
const info = smsDemoInfo(state);
const to = toArg ?? info.numbers['alice'];
if (!to) throw new Error('alice has no SMS number in the running demo');
const res = await postDemoSms(info, from, to, body);
if (res.status !== 200) {
  console.error(`the gateway answered ${res.status}: ${res.body}`);
  process.exit(1);
}
const owner = Object.entries(info.numbers).find(([, n]) => n === to)?.[0];
console.log(`SMS from ${from} to ${to} accepted; it arrives as a chat from ${from}@${state.bridges.find((b) => b.id === 'sms')?.domain ?? 'sms'}${owner ? ` for ${owner}@${state.domain}` : ''}.`);
