/**
 * The end-to-end stack for IRC tests through the built gateway: ngircd (or InspIRCd 3 with its
 * IRCv3 modules, `ircd: 'inspircd-ircv3'`), Prosody with user alice (resource1), the gateway with
 * the irc bridge on network `test`, and a native IRC user.
 */
import { startGateway, type RunningGateway } from '../../../test/helpers/gateway.js';
import { connectNativeIrc, type NativeIrcUser } from '../../../test/helpers/irc-native.js';
import { startInspircd } from '../../../test/helpers/irc-inspircd.js';
import { startNgircd } from '../../../test/helpers/irc-ngircd.js';
import { startProsody } from '../../../test/helpers/prosody.js';
import type { XmppServer } from '../../../test/helpers/server-process.js';
import { connectClient, type TestClient } from '../../../test/helpers/xmpp-client.js';

export interface IrcStack {
  ircd: { port: number; stop(): Promise<void> };
  server: XmppServer;
  gateway: RunningGateway;
  alice: TestClient;
  native: NativeIrcUser;
  stop(): Promise<void>;
}

export async function startIrcStack(opts: {
  domain: string;
  secret: string;
  nativeNick: string;
  network?: Record<string, unknown>;
  ircd?: 'ngircd' | 'inspircd-ircv3';
}): Promise<IrcStack> {
  const ircd = opts.ircd === 'inspircd-ircv3' ? await startInspircd({ ircv3: true }) : await startNgircd();
  const server = await startProsody({ components: [{ domain: opts.domain, secret: opts.secret }], users: [{ username: 'alice', password: 'pw-alice' }] });
  const gateway = await startGateway({
    xmppPort: server.componentPort,
    bridges: {
      irc: {
        domain: opts.domain,
        component_secret: opts.secret,
        access: { users: [`alice@${server.domain}`] },
        options: { networks: { test: { servers: [{ host: '127.0.0.1', port: ircd.port, tls: false }], ...opts.network } } },
      },
    },
  });
  const alice = await connectClient(server, 'alice', 'pw-alice', 'resource1');
  const native = await connectNativeIrc(ircd.port, opts.nativeNick);
  return {
    ircd,
    server,
    gateway,
    alice,
    native,
    async stop() {
      await native.quit();
      await alice.stop();
      await gateway.stop();
      await server.stop();
      await ircd.stop();
    },
  };
}
