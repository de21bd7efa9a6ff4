/**
 * The SMS bridge (issue 4): XMPP users text phone numbers through Twilio.
 * `+15551234567@sms.example.org` is a contact; see README.md for operators and users.
 */
import type { BridgeDefinition } from '../../src/core/bridge.js';
import { SmsBridge } from './adapter.js';
import { smsConfigSchema, type SmsConfig } from './config.js';

export { smsConfigSchema, type SmsConfig } from './config.js';
export { SmsBridge } from './adapter.js';

export const smsBridge: BridgeDefinition<SmsConfig> = {
  id: 'sms',
  identity: { type: 'sms', name: 'Switchboard SMS' },
  configSchema: smsConfigSchema,
  hasPresence: false,
  contactIdentity: { category: 'client', type: 'sms' },
  create: (ctx, config) => new SmsBridge(ctx, config),
};
