/** The IRC bridge in the demo: a local ngircd with #demo, configured as the network "localnet". */
import { join } from 'node:path';
import type { DemoBridge } from './demo-bridge-types.js';
import { startNgircdDaemon } from '../test/helpers/ngircd-daemon.js';

export const IRC_NETWORK = 'localnet';
export const IRC_CHANNEL = '#demo';

export const ircDemo: DemoBridge = {
  id: 'irc',
  subdomain: 'irc',
  async startPeer({ stateDir, runDir, bridgeDomain, pickPort }) {
    // 6667 when free, so an IRC client finds it with its defaults; Debian's own ngircd may hold it.
    const port = await pickPort(6667);
    const { daemon } = await startNgircdDaemon({
      dir: stateDir,
      port,
      name: 'irc.localnet',
      channels: [{ name: IRC_CHANNEL, topic: 'Switchboard demo: XMPP and IRC users meet here' }],
      pidFile: join(runDir, 'ngircd.pid'),
    });
    const room = `${IRC_CHANNEL}%${IRC_NETWORK}@${bridgeDomain}`;
    return {
      options: {
        networks: {
          [IRC_NETWORK]: {
            servers: [{ host: '127.0.0.1', port, tls: false }],
            // A local server that never floods us off: no need to pace lines in a demo.
            throttle: { burst: 20, lines_per_second: 5 },
          },
        },
      },
      info: { room, port, network: IRC_NETWORK },
      tryLines: [
        `Join the group chat ${room} (any nick): it is ${IRC_CHANNEL} on the local IRC server.`,
        `Connect any IRC client to 127.0.0.1:${port} (no TLS), /join ${IRC_CHANNEL}, and talk to yourself across the bridge;`,
        `  /msg <nick> from IRC arrives as a chat from <nick>%${IRC_NETWORK}@${bridgeDomain}. ngircd log: ${join(stateDir, 'ngircd.log')}`,
      ],
      daemons: [daemon],
      stop: () => daemon.stop(3000),
    };
  },
};
