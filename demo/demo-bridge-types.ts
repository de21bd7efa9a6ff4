/** The contract between demo.ts and each bridge's demo entry (demo-bridges.ts lists them). */
import type { Daemon } from '../test/helpers/daemon.js';

export interface DemoContext {
  /** A directory of the bridge's own under .demo/ for the peer's config, data and logs. */
  stateDir: string;
  /** Where pid files live, so a later run can kill what a crashed run left behind (killStale). */
  runDir: string;
  /** The XMPP server's domain; users are alice@ and bob@ it. */
  xmppDomain: string;
  /** The bridge's component domain, e.g. echo.localhost. */
  bridgeDomain: string;
  /** The demo users' bare JIDs, alice first. */
  users: string[];
  /** The gateway's HTTP listener as the peers reach it, e.g. http://127.0.0.1:8080 (also its public_url). */
  httpUrl: string;
  /**
   * A port for a listener: `wanted` when free (a standard port users can type from memory), else
   * one the kernel picks. Ports already handed out in this run are never handed out twice.
   */
  pickPort(wanted?: number): Promise<number>;
}

export interface DemoPeer {
  /** The bridge's `options` in the gateway config (pointing at the peer). */
  options?: Record<string, unknown>;
  /** What to try with this bridge, one suggestion per line. */
  tryLines: string[];
  /** Facts for scripts (demo-check.ts, demo-sms.ts), written to .demo/demo.json under the bridge. */
  info?: Record<string, string | number>;
  /** Child processes whose unexpected exit should take the demo down. */
  daemons?: Daemon[];
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
