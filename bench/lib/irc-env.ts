/**
 * What every IRC bench runs on (bench/irc.ts, idle.ts, heap-diff.ts): ngircd with its flood
 * control off, Prosody with the components of both gateways (Switchboard and biboumi) and the
 * `bench` account (plus `users`), and the bench's own XMPP client. Each stop goes to `cleanups`.
 */
import { startNgircd } from '../../test/helpers/irc-ngircd.js';
import { startProsody } from '../../test/helpers/prosody.js';
import { connectClient } from '../../test/helpers/xmpp-client.js';
import { BB_DOMAIN, SB_DOMAIN, SECRET, type Env } from './irc-gateways.js';

type Account = { username: string; password: string };

export async function startIrcBenchEnv(root: string, cleanups: Array<() => Promise<void>>, users: Account[] = []): Promise<Env> {
  const ircd = await startNgircd({ maxPenaltyTime: 0 });
  cleanups.push(() => ircd.stop());
  const server = await startProsody({
    components: [
      { domain: SB_DOMAIN, secret: SECRET },
      { domain: BB_DOMAIN, secret: SECRET },
    ],
    users: [{ username: 'bench', password: 'pw-bench' }, ...users],
    logLevel: 'warn',
  });
  cleanups.push(() => server.stop());
  const bench = await connectClient(server, 'bench', 'pw-bench', 'bench');
  cleanups.push(() => bench.stop());
  return { server, ircd, bench, root };
}
