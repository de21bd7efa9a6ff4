// Active/standby on one PostgreSQL (design.md §5a): two real gateway processes, one holds the
// lease and the component connection, the other waits. The active one is killed with SIGKILL
// while messages wait in its outbox; the standby takes over within 10 s and delivers each of
// them once. Nothing that was acknowledged (committed) is lost.
import { xml } from '@xmpp/client';
import type { Element } from 'ltx';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEjabberd } from '../helpers/ejabberd.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';
import { metric } from '../helpers/gateway-http.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { startProsody } from '../helpers/prosody.js';
import type { XmppServer, XmppServerOptions } from '../helpers/server-process.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { connectClient, type TestClient } from '../helpers/xmpp-client.js';

const DOMAIN = 'echo.localhost';
const SECRET = 'failover-secret';

const servers: Array<[string, (opts: XmppServerOptions) => Promise<XmppServer>]> = [
  ['prosody', startProsody],
  ['ejabberd', startEjabberd],
];

interface Healthz {
  status: number;
  body: { role?: string; lease?: { holder: string; role: string; epoch?: number; heldBy?: string; expiresAt?: string }; problems: string[] };
}
const healthz = async (gw: RunningGateway): Promise<Healthz> => {
  const res = await fetch(`http://127.0.0.1:${gw.httpPort}/healthz`);
  return { status: res.status, body: (await res.json()) as Healthz['body'] };
};
const bodyOf = (el: Element) => (el.is('message') && el.attrs.type !== 'error' ? el.getChildText('body') : null);

let pg: PostgresServer;
beforeAll(async () => {
  pg = await startPostgres({ fsync: false });
});
afterAll(async () => {
  await pg?.stop();
});

describe.each(servers)('failover on PostgreSQL, with %s', (_name, start) => {
  let server: XmppServer;
  const gateways: RunningGateway[] = [];
  const clients: TestClient[] = [];

  const gateway = async (url: string, standby: boolean): Promise<RunningGateway> => {
    const gw = await startGateway({
      xmppPort: server.componentPort,
      access: { domains: [server.domain] },
      bridges: { echo: { domain: DOMAIN, component_secret: SECRET, options: { delay_ms: 1500 } } },
      extra: { store: { url, lease: { ttl_ms: 3000, heartbeat_ms: 300 } } },
      noWait: standby,
    });
    gateways.push(gw);
    return gw;
  };

  beforeAll(async () => {
    server = await start({
      components: [{ domain: DOMAIN, secret: SECRET }],
      users: [{ username: 'alice', password: 'pw-alice' }],
    });
  });
  afterEach(async () => {
    await Promise.all(gateways.splice(0).map((gw) => gw.stop()));
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.stop()));
    await server?.stop();
  });

  it('the standby takes over within 10 s of a SIGKILL and delivers what the active had acknowledged, once', { timeout: 90_000 }, async () => {
    const url = await pg.createDatabase();
    const active = await gateway(url, false);
    const standby = await gateway(url, true);
    const a = await healthz(active);
    expect(a.status).toBe(200);
    expect(a.body).toMatchObject({ role: 'active', lease: { role: 'active', epoch: 1 } });
    const s = await waitFor(async () => {
      const h = await healthz(standby);
      return h.body.lease?.heldBy !== undefined && h;
    }, 'the standby reports who holds the lease');
    expect(s.status).toBe(503);
    expect(s.body).toMatchObject({ role: 'standby', lease: { role: 'standby', heldBy: a.body.lease!.holder } });
    expect(standby.logs().some((l) => l.event === 'online')).toBe(false);

    const alice = await connectClient(server, 'alice', 'pw-alice');
    clients.push(alice);
    const messages = ['fail one', 'fail two', 'fail three'];
    for (const [i, body] of messages.entries()) {
      await alice.send(xml('message', { to: `k${i % 2}@${DOMAIN}`, type: 'chat', id: `fo-${i}` }, xml('body', {}, body)));
    }
    // /metrics reads committed rows: these are in PostgreSQL.
    await waitFor(async () => (await metric(active, 'switchboard_outbox_depth', { bridge: 'echo' })) === messages.length, 'every message committed');
    const killedAt = Date.now();
    await active.kill();
    expect(alice.received.filter((m) => bodyOf(m)?.startsWith('fail'))).toEqual([]);

    await standby.waitForLog((l) => l.event === 'online', 'the standby’s component online', 10_000);
    const takeoverMs = Date.now() - killedAt;
    expect(takeoverMs).toBeLessThan(10_000);
    const h = await healthz(standby);
    expect(h.status).toBe(200);
    expect(h.body).toMatchObject({ role: 'active', lease: { role: 'active', epoch: 2 } });
    expect(await metric(standby, 'switchboard_lease_changes_total', { event: 'acquired' })).toBe(1);
    expect(await metric(standby, 'switchboard_lease_active')).toBe(1);

    for (const body of messages) await alice.waitForStanza((m) => bodyOf(m) === body, `echo of ${body}`, 20_000);
    await sleep(1000); // room for a duplicate to show up
    for (const body of messages) expect(alice.received.filter((m) => bodyOf(m) === body), `copies of ${body}`).toHaveLength(1);
    // Per conversation in order: k0 got "fail one" before "fail three".
    expect(alice.received.filter((m) => m.attrs.from === `k0@${DOMAIN}`).map(bodyOf)).toEqual(['fail one', 'fail three']);
    await waitFor(async () => (await metric(standby, 'switchboard_outbox_depth', { bridge: 'echo' })) === 0, 'outbox drained');
    expect(await metric(standby, 'switchboard_store_commit_seconds_count')).toBeGreaterThan(0);
  });

  it('a graceful stop hands the lease over at once', { timeout: 60_000 }, async () => {
    const url = await pg.createDatabase();
    const first = await gateway(url, false);
    const second = await gateway(url, true);
    await waitFor(async () => (await healthz(second)).body.lease?.heldBy, 'standby sees the holder');
    const stoppedAt = Date.now();
    expect(await first.stop()).toBe(0);
    await second.waitForLog((l) => l.event === 'online', 'the standby’s component online', 10_000);
    // Well under the 3 s lease: it was released, not left to lapse.
    expect(Date.now() - stoppedAt).toBeLessThan(3000);
    expect(await metric(second, 'switchboard_lease_active')).toBe(1);
  });
});
