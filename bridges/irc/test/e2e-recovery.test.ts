// Fast IRC recovery (issue 10), end to end through Prosody and the built gateway with the
// production reconnect settings (2 s doubling to 5 min): after the IRC server comes back, every
// channel the users had joined is rejoined within 3 s of the server accepting connections, and
// each resource sees the room as it had it (occupants, then its self-presence). Network
// `viaproxy` reaches ngircd through the fault proxy (outage, accept-and-drop); network `direct`
// reaches it without one, for the crash: through a proxy, a dead server looks like one that
// accepts and drops, which rightly gets the backoff instead of the readiness probe.
import { xml } from '@xmpp/client';
import type { Element } from 'ltx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STABLE_CONNECTION_MS } from '../../../src/core/backoff.js';
import { startFaultProxy, type FaultProxy } from '../../../test/helpers/fault-proxy.js';
import { startGateway, type RunningGateway } from '../../../test/helpers/gateway.js';
import { connectNativeIrc, type NativeIrcUser } from '../../../test/helpers/irc-native.js';
import { startNgircd, type Ngircd } from '../../../test/helpers/irc-ngircd.js';
import { startProsody } from '../../../test/helpers/prosody.js';
import type { XmppServer } from '../../../test/helpers/server-process.js';
import { sleep, waitFor } from '../../../test/helpers/wait.js';
import { connectClient, type TestClient } from '../../../test/helpers/xmpp-client.js';

const DOMAIN = 'irc.localhost';
const SECRET = 'irc-recovery-secret';
const MUC = 'http://jabber.org/protocol/muc';
const MUC_USER = 'http://jabber.org/protocol/muc#user';
const NATIVE = 'Watcher';

interface Joined {
  client: TestClient;
  room: string;
  nick: string;
  /** The self-presence of the first join (affiliation and role to be restored). */
  self: Element;
}

interface Seen {
  el: Element;
  at: number;
}

const codes = (el: Element): number[] => el.getChild('x', MUC_USER)?.getChildren('status').map((s) => Number(s.attrs.code)) ?? [];
const item = (el: Element): Record<string, string> => el.getChild('x', MUC_USER)?.getChild('item')?.attrs ?? {};

describe('IRC recovery through Prosody (fault proxy in front of ngircd)', () => {
  let ircd: Ngircd;
  let proxy: FaultProxy;
  let server: XmppServer;
  let gateway: RunningGateway;
  let native: NativeIrcUser;
  const clients: TestClient[] = [];
  const seen = new Map<TestClient, Seen[]>();
  const joined: Joined[] = [];

  const viaProxy = (): Joined[] => joined.filter((j) => j.room.includes('%viaproxy@'));
  const direct = (): Joined[] => joined.filter((j) => j.room.includes('%direct@'));
  const selfPresences = (j: Joined, since: number): Seen[] =>
    (seen.get(j.client) ?? []).filter((s) => s.at >= since && s.el.is('presence') && s.el.attrs.from === `${j.room}/${j.nick}`);
  const rejoinedAt = (j: Joined, since: number): number | undefined => selfPresences(j, since).find((s) => s.el.getChildText('status')?.startsWith('Rejoined'))?.at;
  const lostSince = (j: Joined, since: number): boolean => selfPresences(j, since).some((s) => /reconnecting/.test(s.el.getChildText('status') ?? ''));

  /** Wait until every room in `rooms` was rejoined after `since`; the time from `since` to the last. */
  async function allRejoined(rooms: Joined[], since: number, timeoutMs: number): Promise<number> {
    await waitFor(() => rooms.every((j) => rejoinedAt(j, since) !== undefined), `${rooms.map((j) => j.room).join(', ')} rejoined`, timeoutMs);
    return Math.max(...rooms.map((j) => rejoinedAt(j, since)! - since));
  }

  /**
   * What each rejoined resource must see: the occupants that stayed, then its self-presence as
   * before (`kept`); or, for a channel the restarted server created anew (`recreated`), as its
   * creator, whom IRC makes channel operator (RFC 2811 §4.1.2: moderator).
   */
  function expectRoomsRestored(rooms: Joined[], since: number, channel: 'kept' | 'recreated'): void {
    for (const j of rooms) {
      const mine = (seen.get(j.client) ?? []).filter((s) => s.at >= since && s.el.is('presence') && s.el.attrs.from?.startsWith(`${j.room}/`));
      const back = mine.find((s) => s.el.getChildText('status')?.startsWith('Rejoined'))!;
      expect(codes(back.el)).toEqual([110, 100]);
      expect(back.el.attrs.type).toBeUndefined();
      const expected = channel === 'kept' ? { affiliation: item(j.self).affiliation, role: item(j.self).role } : { affiliation: 'admin', role: 'moderator' };
      expect(item(back.el)).toMatchObject(expected);
      if (channel === 'recreated') continue;
      const gone = mine.findIndex((s) => s.el.attrs.from === `${j.room}/${NATIVE}` && s.el.attrs.type === 'unavailable');
      const again = mine.findIndex((s) => s.el.attrs.from === `${j.room}/${NATIVE}` && s.el.attrs.type === undefined);
      expect(gone, `${NATIVE} left ${j.room} in the resource's view with the connection`).toBeGreaterThanOrEqual(0);
      expect(again, `${NATIVE} back in ${j.room} before the self-presence`).toBeGreaterThan(gone);
      expect(again).toBeLessThan(mine.indexOf(back));
    }
  }

  async function join(client: TestClient, room: string, nick: string): Promise<void> {
    await client.send(xml('presence', { to: `${room}/${nick}` }, xml('x', { xmlns: MUC })));
    const self = await client.waitForStanza((s) => s.is('presence') && s.attrs.from === `${room}/${nick}` && codes(s).includes(110), `${nick} in ${room}`, 20_000);
    joined.push({ client, room, nick, self });
  }

  beforeAll(async () => {
    ircd = await startNgircd();
    proxy = await startFaultProxy({ port: ircd.port });
    server = await startProsody({
      components: [{ domain: DOMAIN, secret: SECRET }],
      users: [
        { username: 'alice', password: 'pw-alice' },
        { username: 'bob', password: 'pw-bob' },
      ],
    });
    const endpoint = (port: number) => ({ servers: [{ host: '127.0.0.1', port, tls: false }] });
    gateway = await startGateway({
      xmppPort: server.componentPort,
      bridges: {
        irc: {
          domain: DOMAIN,
          component_secret: SECRET,
          access: { users: [`alice@${server.domain}`, `bob@${server.domain}`] },
          // No `reconnect`: the defaults a deployment has (config.ts).
          options: { networks: { viaproxy: endpoint(proxy.port), direct: endpoint(ircd.port) } },
        },
      },
    });
    native = await connectNativeIrc(ircd.port, NATIVE);
    for (const chan of ['#rec1', '#rec2', '#rec3']) {
      native.client.join(chan);
      await native.expect('join', (e) => e.channel === chan);
    }
    for (const [user, password] of [['alice', 'pw-alice'], ['bob', 'pw-bob']] as const) {
      const client = await connectClient(server, user, password, 'phone');
      const log: Seen[] = [];
      client.xmpp.on('stanza', (el: Element) => log.push({ el, at: Date.now() }));
      seen.set(client, log);
      clients.push(client);
    }
    const [alice, bob] = clients as [TestClient, TestClient];
    await join(alice, `#rec1%viaproxy@${DOMAIN}`, 'Alice');
    await join(alice, `#rec2%viaproxy@${DOMAIN}`, 'Alice');
    await join(bob, `#rec1%viaproxy@${DOMAIN}`, 'Bob');
    await join(alice, `#rec3%direct@${DOMAIN}`, 'AliceD');
  });

  afterAll(async () => {
    for (const c of clients) await c.stop();
    await native?.quit();
    await gateway?.stop();
    await server?.stop();
    await proxy?.close();
    await ircd?.stop();
  });

  it('after a 4 s outage every channel is rejoined within 3 s of the server accepting connections', { timeout: 60_000 }, async () => {
    const lostAt = Date.now();
    await proxy.down();
    await waitFor(() => viaProxy().every((j) => lostSince(j, lostAt)), 'every resource told the connection is lost');
    await sleep(4000); // the outage itself: what is measured is the time after it
    await proxy.up();
    const upAt = Date.now();
    const took = await allRejoined(viaProxy(), upAt, 20_000);
    console.log(JSON.stringify({ figure: 'irc_rejoin_ms', fault: 'outage', outage_ms: 4000, channels: viaProxy().length, ms: took }));
    expect(took).toBeLessThan(3000);
    expectRoomsRestored(viaProxy(), lostAt, 'kept');
    // The other network's connection never noticed.
    expect(direct().some((j) => lostSince(j, lostAt))).toBe(false);
  });

  it('backs off against a server that accepts and drops every connection (no storm)', { timeout: 60_000 }, async () => {
    // Only a connection that stayed up earns the short first retry: start from one that did.
    const lastRejoin = Math.max(...viaProxy().map((j) => rejoinedAt(j, 0) ?? 0));
    await waitFor(() => Date.now() - lastRejoin >= STABLE_CONNECTION_MS, 'stable connections', STABLE_CONNECTION_MS + 5000);
    const lostAt = Date.now();
    const before = proxy.stats.accepted;
    proxy.refuse(1_000_000);
    proxy.resetAll();
    await sleep(4000);
    const tries = proxy.stats.accepted - before;
    proxy.refuse(0);
    // Two sessions (alice's, bob's), each: the short first retry (≤ 100 ms), then 2 s doubling,
    // jittered 50–100 %: 2 or 3 connections in 4 s, so at most 6. A reset is not a refusal, so no
    // readiness probe runs (a probe every 250 ms would make ~30).
    console.log(JSON.stringify({ figure: 'irc_connections_in_4s_of_accept_and_drop', sessions: 2, tries }));
    expect(tries).toBeGreaterThanOrEqual(4);
    expect(tries).toBeLessThanOrEqual(6);
    await allRejoined(viaProxy(), lostAt, 30_000);
  });

  it('after ngircd is killed and restarted, channels are rejoined within 3 s of it listening', { timeout: 60_000 }, async () => {
    const lostAt = Date.now();
    await ircd.restart(4000, 'kill');
    // restart() resolves once the port accepts (polled every 25 ms): at most that much late.
    const upAt = Date.now();
    expect(direct().every((j) => lostSince(j, lostAt))).toBe(true);
    const took = await allRejoined(direct(), upAt, 20_000);
    console.log(JSON.stringify({ figure: 'irc_rejoin_ms', fault: 'kill-restart', down_ms: 4000, channels: direct().length, ms: took }));
    expect(took).toBeLessThan(3000);
    expectRoomsRestored(direct(), lostAt, 'recreated');
  });
});
