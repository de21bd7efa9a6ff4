/**
 * Plays Twilio's side of an incoming SMS against a running demo: the webhook, form-encoded and
 * signed with the demo's (fake) Auth Token for the URL the gateway checks signatures against.
 * Used by demo-sms.ts (the user's command) and demo-check.ts.
 */
import type { DemoState } from './demo-banner.js';
import { inboundParams, postSignedWebhook } from '../test/helpers/sms-fake-twilio.js';

export interface SmsDemoInfo {
  accountSid: string;
  authToken: string;
  /** Where the gateway receives the webhook, and the URL it is signed for (the same in the demo). */
  inboundUrl: string;
  /** Each demo user's Twilio number, by username. */
  numbers: Record<string, string>;
  log: string;
}

/** The SMS facts of a demo.json, or an error saying the demo runs without the SMS bridge. */
export function smsDemoInfo(state: DemoState): SmsDemoInfo {
  const info = state.bridges.find((b) => b.id === 'sms')?.info;
  const text = (key: string): string => {
    const value = info?.[key];
    if (typeof value !== 'string') throw new Error(`the running demo has no SMS bridge (no ${key} in demo.json); restart \`npm run demo\``);
    return value;
  };
  const numbers: Record<string, string> = {};
  for (const a of state.accounts) {
    const n = info?.[`number_${a.username}`];
    if (typeof n === 'string') numbers[a.username] = n;
  }
  return { accountSid: text('accountSid'), authToken: text('authToken'), inboundUrl: text('inboundUrl'), numbers, log: text('log') };
}

/** POST an incoming text from `from` to `to` (a Twilio number of the demo); resolves with the HTTP status. */
export async function postDemoSms(info: SmsDemoInfo, from: string, to: string, body: string): Promise<{ status: number; body: string }> {
  const params = inboundParams({ accountSid: info.accountSid, from, to, body });
  return postSignedWebhook({ postUrl: info.inboundUrl, signedUrl: info.inboundUrl, authToken: info.authToken, params });
}
