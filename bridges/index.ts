/**
 * The explicit registry of built-in bridges: one line each. Deleting a bridge's folder and its
 * line here removes the bridge. External bridges are named by `module:` in the config instead.
 * A bridge is imported only when the config enables it: the dependencies of the others (the
 * Twilio SDK, nodemailer, …) would otherwise take tens of MiB of every gateway's memory.
 */
import type { BridgeRegistry } from '../src/core/bridge.js';

export const builtinBridges: BridgeRegistry = {
  echo: async () => (await import('./echo/index.js')).echoBridge,
  email: async () => (await import('./email/index.js')).emailBridge,
  irc: async () => (await import('./irc/index.js')).ircBridge,
  sms: async () => (await import('./sms/index.js')).smsBridge,
};
