/** The email bridge definition (issue 5): SMTP in and out, `alice\40example.com@<domain>` JIDs. */
import type { BridgeDefinition } from '../../src/core/bridge.js';
import { EmailBridge } from './adapter.js';
import { emailConfigSchema, type EmailConfig } from './config.js';

export { EmailBridge } from './adapter.js';
export { emailConfigSchema, type EmailConfig } from './config.js';

export const emailBridge: BridgeDefinition<EmailConfig> = {
  id: 'email',
  identity: { type: 'smtp', name: 'Switchboard email' },
  configSchema: emailConfigSchema,
  hasPresence: false,
  create: (ctx, config) => new EmailBridge(ctx, config),
};
