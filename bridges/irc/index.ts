/** The IRC bridge definition: biboumi-compatible XMPP ⇄ IRC (issue 3). */
import type { BridgeDefinition } from '../../src/core/bridge.js';
import { IrcBridge } from './adapter.js';
import { ircConfigSchema, type IrcConfig } from './config.js';

export { IrcBridge } from './adapter.js';
export { ircConfigSchema, type IrcConfig } from './config.js';

export const ircBridge: BridgeDefinition<IrcConfig> = {
  id: 'irc',
  identity: { type: 'irc', name: 'Switchboard IRC gateway' },
  configSchema: ircConfigSchema,
  hasPresence: true,
  create: (ctx, config) => new IrcBridge(ctx, config),
};
