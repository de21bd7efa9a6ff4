/**
 * The bridges the demo runs, each with the local peer it needs (an IRC server, an SMTP sink, a
 * fake Twilio…). To add a bridge to the demo, append an entry: the demo runs it when its id is
 * registered in bridges/index.ts, starts its peer, passes the returned `options` as the bridge's
 * config, prints its `tryLines`, and calls `stop` on exit.
 */

export interface DemoContext {
  /** A directory of the bridge's own under .demo/ for the peer's config, data and logs. */
  stateDir: string;
  /** The XMPP server's domain; users are alice@ and bob@ it. */
  xmppDomain: string;
  /** The bridge's component domain, e.g. echo.localhost. */
  bridgeDomain: string;
}

export interface DemoPeer {
  /** The bridge's `options` in the gateway config (pointing at the peer). */
  options?: Record<string, unknown>;
  /** What to try with this bridge, one suggestion per line. */
  tryLines: string[];
  /** Stopped after the gateway, before the XMPP server. */
  stop(): Promise<void>;
}

export interface DemoBridge {
  /** The bridge id in bridges/index.ts and in the config. */
  id: string;
  /** The component domain is `<subdomain>.<xmpp domain>`. */
  subdomain: string;
  startPeer(ctx: DemoContext): Promise<DemoPeer>;
}

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

export const demoBridges: readonly DemoBridge[] = [echo];
