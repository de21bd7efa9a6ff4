/**
 * The end-to-end stack for IRC tests through the built gateway: ngircd, Prosody with user alice
 * (resource1), the gateway with the irc bridge on network `test`, and a native IRC user.
 */
import { startGateway, type RunningGateway } from '../../../test/helpers/gateway.js';
import { connectNativeIrc, type NativeIrcUser } from '../../../test/helpers/irc-native.js';
import { startNgircd, type Ngircd } from '../../../test/helpers/irc-ngircd.js';
import { startProsody } from '../../../test/helpers/prosody.js';
import type { XmppServer } from '../../../test/helpers/server-process.js';
import { connectClient, type TestClient } from '../../../test/helpers/xmpp-client.js';

export interface IrcStack {
  ircd: Ngircd;
  server: XmppServer;
  gateway: RunningGateway;
  alice: TestClient;
  native: NativeIrcUser;
  stop(): Promise<void>;
}

export async function startIrcStack(opts: { domain: string; secret: string; nativeNick: string; network?: Record<string, unknown> }): Promise<IrcStack> {
  const ircd = await startNgircd();
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
