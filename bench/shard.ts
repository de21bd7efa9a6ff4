/**
 * Shard takeover benchmark (issue 14): two gateway processes in sharded mode on one PostgreSQL
 * (src/failover/shard-run.ts), ejabberd balancing the echo and IRC component domains over 2
 * slots, `--users` users (10) joined to one IRC channel through the gateway (ngircd). `--kills`
 * times (5) one instance, in turn, is killed with SIGKILL, and timed from the kill until
 *   - adopted: the survivor's gateway on the dead slot has both components online;
 *   - served:  every user the dead instance held is back: its nick rejoined the channel on ngircd
 *              and an echo probe from it answered (probes every 250 ms: ejabberd drops what
 *              reaches an empty slot).
 * Then a fresh instance is started; it waits as a spare and the survivor hands the slot over, so
 * the next kill again finds one slot per instance. The floor is the lease: a slot is adopted
 * once its lease has lapsed (`--ttl`, 5000 ms as the default config, heartbeat `--ttl`/5).
 * Prints min/median/max of each.
 *
 *   npm run build && node dist/bench/shard.js [--kills 5] [--users 10] [--ttl 5000]
 */
import { xml } from '@xmpp/client';
import { startEjabberd } from '../test/helpers/ejabberd.js';
import { startGateway, type RunningGateway } from '../test/helpers/gateway.js';
import { metric } from '../test/helpers/gateway-http.js';
import { connectNativeIrc } from '../test/helpers/irc-native.js';
import { startNgircd } from '../test/helpers/irc-ngircd.js';
import { startPostgres } from '../test/helpers/postgres.js';
import { waitFor } from '../test/helpers/wait.js';
import { connectClient, type TestClient } from '../test/helpers/xmpp-client.js';
import { arg } from './lib/args.js';
import { jsonLines } from './lib/output.js';

const print = jsonLines('shard');
const KILLS = Number(arg('kills', '5'));
const USERS = Number(arg('users', '10'));
const TTL = Number(arg('ttl', '5000'));
const ECHO = 'echo.shard.localhost';
const IRC = 'irc.shard.localhost';
const SECRET = 'bench-shard';
const CHANNEL = '#takeover';
const ROOM = `${CHANNEL}%bench@${IRC}`;
const names = Array.from({ length: USERS }, (_, i) => `tk${i}`);

const pg = await startPostgres();
const ircd = await startNgircd();
const xmpp = await startEjabberd({
  components: [
    { domain: ECHO, secret: SECRET },
    { domain: IRC, secret: SECRET },
  ],
  users: names.map((username) => ({ username, password: `pw-${username}` })),
  domainBalancing: { [ECHO]: 2, [IRC]: 2 },
  logLevel: 'warn',
});
const url = await pg.createDatabase();
const running: RunningGateway[] = [];
const clients = new Map<string, TestClient>();
const watcher = await connectNativeIrc(ircd.port, 'Watcher');

const start = (spare: boolean) =>
  startGateway({
    xmppPort: xmpp.componentPort,
    access: { domains: [xmpp.domain] },
    bridges: {
      echo: { domain: ECHO, component_secret: SECRET },
      irc: { domain: IRC, component_secret: SECRET, options: { networks: { bench: { servers: [{ host: '127.0.0.1', port: ircd.port, tls: false }] } } } },
    },
    extra: { store: { url, lease: { ttl_ms: TTL, heartbeat_ms: Math.round(TTL / 5) }, cluster: { mode: 'shard', slots: 2 } }, log: { level: 'info' } },
    noWait: spare,
  }).then((gw) => (running.push(gw), gw));
const sessions = (gw: RunningGateway) => metric(gw, 'switchboard_irc_connections', { network: 'bench', state: 'registered' });
const onlineEvents = (gw: RunningGateway) => gw.logs().filter((l) => l.event === 'online').length;
const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0], median: s[Math.floor(s.length / 2)], max: s[s.length - 1], all: xs };
};

try {
  watcher.client.join(CHANNEL);
  await watcher.expect('join', (e) => e.nick === 'Watcher');
  let live = [await start(false), await start(false)];
  for (const name of names) clients.set(name, await connectClient(xmpp, name, `pw-${name}`, 'bench'));
  for (const name of names) await clients.get(name)!.send(xml('presence', { to: `${ROOM}/${name}` }, xml('x', { xmlns: 'http://jabber.org/protocol/muc' })));
  const adopted: number[] = [];
  const served: number[] = [];
  for (let k = 0; k < KILLS; k++) {
    // One slot per instance, every user's IRC session up.
    await waitFor(
      async () => (await sessions(live[0]!)) > 0 && (await sessions(live[1]!)) > 0 && (await sessions(live[0]!)) + (await sessions(live[1]!)) === USERS,
      'balanced',
      60_000,
    );
    const [victim, survivor] = k % 2 === 0 ? [live[0]!, live[1]!] : [live[1]!, live[0]!];
    const held = await sessions(victim);
    const onlineBefore = onlineEvents(survivor);
    const from = watcher.events.length;
    const killedAt = Date.now();
    await victim.kill();
    const quits = () => watcher.events.slice(from).filter((e) => e.event === 'quit');
    await waitFor(() => quits().length === held, 'the dead instance’s users quit', 15_000);
    const moved = quits().map((e) => String(e.nick));
    const answered = new Set<string>();
    const tag = `probe-${k}-`;
    for (const n of moved) clients.get(n)!.received.length = 0;
    const probe = setInterval(() => {
      for (const n of moved) if (!answered.has(n)) void clients.get(n)!.send(xml('message', { to: `p@${ECHO}`, type: 'chat' }, xml('body', {}, `${tag}${n}`)));
    }, 250);
    let adoptedMs = 0;
    try {
      await waitFor(
        () => {
          if (!adoptedMs && onlineEvents(survivor) >= onlineBefore + 2) adoptedMs = Date.now() - killedAt;
          for (const n of moved) if (clients.get(n)!.received.some((m) => m.getChildText('body') === `${tag}${n}`)) answered.add(n);
          const rejoined = moved.every((n) => watcher.events.slice(from).some((e) => e.event === 'join' && e.nick === n));
          return adoptedMs > 0 && rejoined && answered.size === moved.length;
        },
        'every moved user served',
        60_000,
      );
    } finally {
      clearInterval(probe);
    }
    served.push(Date.now() - killedAt);
    adopted.push(adoptedMs);
    print({ kill: k + 1, moved_users: moved.length, adopted_ms: adoptedMs, served_ms: served.at(-1) });
    // A fresh instance: a spare, to which the survivor hands the adopted slot.
    const fresh = await start(true);
    await fresh.waitForLog((l) => l.event === 'slot_home', 'the fresh instance gets a slot', 60_000);
    live = [survivor, fresh];
  }
  print({ metric: 'shard_takeover_ms', kills: KILLS, users: USERS, lease_ttl_ms: TTL, adopted: stats(adopted), served: stats(served) });
} finally {
  await Promise.all(running.map((g) => g.kill()));
  await Promise.all([...clients.values()].map((c) => c.stop()));
  await watcher.quit();
  await xmpp.stop();
  await ircd.stop();
  await pg.stop();
}
