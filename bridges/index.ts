/**
 * The explicit registry of built-in bridges: one line each. Deleting a bridge's folder and its
 * line here removes the bridge. External bridges are named by `module:` in the config instead.
 */
import type { BridgeDefinition } from '../src/core/bridge.js';
import { echoBridge } from './echo/index.js';
import { emailBridge } from './email/index.js';
import { ircBridge } from './irc/index.js';
import { smsBridge } from './sms/index.js';

export const builtinBridges: readonly BridgeDefinition[] = [echoBridge, emailBridge, ircBridge, smsBridge];
