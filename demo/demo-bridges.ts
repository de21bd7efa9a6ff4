/**
 * The bridges the demo runs, each with the local peer it needs (an IRC server, an SMTP sink, a
 * fake Twilio…). To add a bridge to the demo, append an entry: the demo runs it when its id is
 * registered in bridges/index.ts, starts its peer, passes the returned `options` as the bridge's
 * config, prints its `tryLines`, records its `info` in demo.json, and calls `stop` on exit.
 */
import type { DemoBridge } from './demo-bridge-types.js';
import { emailDemo } from './demo-email.js';
import { ircDemo } from './demo-irc.js';
import { smsDemo } from './demo-twilio.js';

export type { DemoBridge, DemoContext, DemoPeer } from './demo-bridge-types.js';

const echo: DemoBridge = {
  id: 'echo',
  subdomain: 'echo',
  // Nothing to start: the echo bridge is its own network.
  startPeer: async ({ bridgeDomain }) => ({
    tryLines: [
      `Send a chat message to hello@${bridgeDomain} (any name@${bridgeDomain} works): it comes back from that JID.`,
      `Add ${bridgeDomain} to your roster: the gateway approves the subscription and shows as online.`,
      `Browse ${bridgeDomain} with service discovery: a "gateway" identity, version, ping, commands.`,
    ],
    stop: async () => undefined,
  }),
};

export const demoBridges: readonly DemoBridge[] = [echo, ircDemo, smsDemo, emailDemo];
