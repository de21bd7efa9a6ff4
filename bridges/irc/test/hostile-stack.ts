/**
 * The stack for hostile-server tests: a real XMPP server (Prosody or ejabberd) with user alice,
 * the built gateway as a process, and one fake IRC server per network (test/helpers/fake-irc-server.ts).
 * It measures what the issue asks after each case: the gateway's RSS, the component's reconnects.
 */
import { xml } from '@xmpp/client';
import type { Element } from 'ltx';
import { readFileSync } from 'node:fs';
import { startEjabberd } from '../../../test/helpers/ejabberd.js';
import { startFakeIrcServer, type FakeIrcServer, type FakeIrcServerOptions } from '../../../test/helpers/fake-irc-server.js';
import { startGateway, type RunningGateway } from '../../../test/helpers/gateway.js';
import { startProsody } from '../../../test/helpers/prosody.js';
import type { XmppServer } from '../../../test/helpers/server-process.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { connectClient, type TestClient } from '../../../test/helpers/xmpp-client.js';

export const DOMAIN = 'irc.localhost';
export const MUC_USER = 'http://jabber.org/protocol/muc#user';

export interface HostileStack {
  server: XmppServer;
  gateway: RunningGateway;
  alice: TestClient;
  fakes: Record<string, FakeIrcServer>;
  /** VmRSS of the gateway process, in MiB (design.md §10: the process itself, not a shell). */
  rssMb(): number;
  /**
   * RSS right after a case, and once it is back within `boundMb` of `beforeMb`. The gateway's
   * garbage collector runs when it likes (no --expose-gc in production flags), so memory freed
   * is given back some time later: waiting for it tells "freed" from "kept"; kept memory times out.
   */
  rssWithin(beforeMb: number, boundMb: number): Promise<{ immediateMb: number; settledMb: number }>;
  /** `event: 'reconnect'` lines the IRC component logged (a stream the XMPP server closed). */
  componentReconnects(): number;
  /** Join `#channel%network` as `nick`; resolves with the self-presence (110). */
  join(channel: string, network: string, nick?: string): Promise<Element>;
  stop(): Promise<void>;
}

export async function startHostileStack(opts: {
  xmpp?: 'prosody' | 'ejabberd';
  fakes: Record<string, FakeIrcServerOptions>;
  /** IRC bridge options (bounds, timeouts) merged over the defaults. */
  options?: Record<string, unknown>;
  /** More networks (e.g. a real ngircd) besides the fakes. */
  networks?: Record<string, unknown>;
}): Promise<HostileStack> {
  const fakes: Record<string, FakeIrcServer> = {};
  for (const [name, o] of Object.entries(opts.fakes)) fakes[name] = await startFakeIrcServer(o);
  const start = opts.xmpp === 'ejabberd' ? startEjabberd : startProsody;
  const server = await start({ components: [{ domain: DOMAIN, secret: 'hostile-secret' }], users: [{ username: 'alice', password: 'pw-alice' }], logLevel: 'info' });
  const networks = Object.fromEntries(
    Object.entries(fakes).map(([name, f]) => [
      name,
      {
        servers: [{ host: '127.0.0.1', port: f.port, tls: false }],
        connect_timeout_ms: 3000,
        reconnect: { initial_delay_ms: 200, max_delay_ms: 1600 },
        throttle: { burst: 100, lines_per_second: 100 },
      },
    ]),
  );
  const gateway = await startGateway({
    xmppPort: server.componentPort,
    bridges: {
      irc: {
        domain: DOMAIN,
        component_secret: 'hostile-secret',
        access: { users: [`alice@${server.domain}`] },
        options: { networks: { ...networks, ...opts.networks }, join_timeout_ms: 4000, ...opts.options },
      },
    },
    extra: { log: { level: 'info' } },
  });
  const alice = await connectClient(server, 'alice', 'pw-alice', 'resource1');
  const pid = gateway.process.pid!;
  const rssMb = () => {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return Math.round(Number(kb) / 102.4) / 10;
  };
  return {
    server,
    gateway,
    alice,
    fakes,
    rssMb,
    async rssWithin(beforeMb, boundMb) {
      const immediateMb = rssMb();
      const settledMb = await waitFor(() => {
        const now = rssMb();
        return now - beforeMb < boundMb ? now : false;
        // V8 gives pages back only after its memory reducer ran a few idle GCs (tens of seconds on
        // a loaded machine: a clean run once took more than 20 s); a retained cost never comes back.
      }, `gateway RSS back within ${boundMb} MiB of ${beforeMb} MiB (now ${rssMb()} MiB)`, 60_000);
      return { immediateMb, settledMb };
    },
    componentReconnects: () => gateway.logs().filter((l) => l.event === 'reconnect').length,
    async join(channel, network, nick = 'Alice') {
      const room = `${channel}%${network}@${DOMAIN}`;
      await alice.send(xml('presence', { to: `${room}/${nick}` }, xml('x', { xmlns: 'http://jabber.org/protocol/muc' })));
      return alice.waitForStanza(
        (s) => s.is('presence') && s.attrs.from === `${room}/${nick}` && !!s.getChild('x', MUC_USER)?.getChildren('status').some((c) => c.attrs.code === '110'),
        `self-presence in ${room}`,
      );
    },
    async stop() {
      await alice.stop();
      await gateway.stop();
      await server.stop();
      for (const f of Object.values(fakes)) await f.close();
    },
  };
}

/** One line of the report's figures (printed as a JSON line by the tests). */
export interface HostileFigure {
  case: string;
  survived: boolean;
  componentReconnects: number;
  rssBeforeMb: number;
  /** Right after the case. */
  rssAfterMb: number;
  /** Once back within the case's bound (the collector gave the garbage back). */
  rssSettledMb: number;
  userSaw: string;
}

export function printFigures(figures: HostileFigure[]): void {
  // Figures for the closing note, as JSON lines on stdout (the benches' format, bench/lib/output.ts).
  for (const f of figures) process.stdout.write(`${JSON.stringify({ figure: 'irc-hostile', ...f })}\n`);
}
