// A bounce that arrives after the gateway restarted still puts its item back (design.md §5: the
// correlation lives in the store, committed with the delivery). The XMPP server is the scripted
// fake (test/helpers/fake-xmpp-server.ts) because no real server here delays a bounce past a
// reconnect of the component on demand: Prosody and ejabberd answer within a round trip, on the
// connection that sent the message. Late bounces do happen for real — a XEP-0198 session that
// hibernates and times out bounces what its client never acknowledged, to whichever component
// connection is up by then — and the fake plays exactly that: the error comes on the new stream.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { Element } from 'ltx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeComponentServer, type FakeComponentServer } from '../helpers/fake-xmpp-server.js';
import { startGateway, type GatewayOptions, type RunningGateway } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';

const DOMAIN = 'echo.localhost';
const SECRET = 'bounce-restart-secret';
const USER = 'carol@localhost';
const CONTACT = `hello@${DOMAIN}`;
/** The first retry of a bounced item waits 15–30 s: a delivery sooner than that came from the user's presence. */
const BASE_DELAY_MS = 30_000;

describe('a bounce after a restart of the gateway', () => {
  let fake: FakeComponentServer;
  let gateway: RunningGateway | undefined;
  let options: GatewayOptions;

  beforeAll(async () => {
    fake = await startFakeComponentServer({ secret: SECRET, domain: DOMAIN });
    options = {
      xmppPort: fake.port,
      access: { domains: ['localhost'] },
      bridges: { echo: { domain: DOMAIN, component_secret: SECRET } },
      extra: {
        xmpp: { host: '127.0.0.1', port: fake.port, reconnect: { initial_delay_ms: 100, max_delay_ms: 500 } },
        outbox: { max_attempts: 3, base_delay_ms: BASE_DELAY_MS, max_delay_ms: BASE_DELAY_MS },
      },
    };
    gateway = await startGateway(options);
    await fake.waitForHandshakes(1);
  });

  afterAll(async () => {
    await gateway?.stop();
    await fake?.close();
  });

  it('puts the item back when the server bounces it on the new stream, and delivers it when the user shows up', { timeout: 60_000 }, async () => {
    const body = `echo before the restart ${Date.now()}`;
    fake.send(new Element('message', { from: `${USER}/phone`, to: CONTACT, type: 'chat', id: 'before-restart' }).c('body').t(body).root());
    const first = await fake.waitForStanza((s) => s.is('message') && s.getChildText('body') === body, 'the echo delivered to the user');
    const id = first.attrs.id as string;
    expect(id).toBeTruthy();

    // Committed: the row is done and its correlation is on disk (one group commit). Read with a
    // connection of our own, as an operator would.
    const db = new Database(join(gateway!.dir, 'switchboard.sqlite'), { readonly: true });
    try {
      await waitFor(
        () => db.prepare(`SELECT o.state FROM bounce_track b JOIN outbox o ON o.id = b.row_id WHERE b.bridge = 'echo' AND b.user = ? AND b.stanza_id = ?`).get(USER, id) as { state: string } | undefined,
        'the delivery and its correlation committed',
      ).then((r) => expect(r.state).toBe('done'));
    } finally {
      db.close();
    }

    // kill -9: nothing in memory survives.
    await gateway!.kill();
    gateway = await startGateway({ ...options, dir: gateway!.dir });
    await fake.waitForHandshakes(2);

    const since = Date.now();
    // RFC 6121 §8.5.2.1.1: no available resource and no offline storage → service-unavailable, from the bare JID.
    fake.send(
      new Element('message', { from: USER, to: CONTACT, type: 'error', id })
        .c('error', { type: 'cancel' })
        .c('service-unavailable', { xmlns: 'urn:ietf:params:xml:ns:xmpp-stanzas' })
        .root(),
    );
    const retry = await gateway.waitForLog((l) => l.event === 'bounce_retry' && l.bridge === 'echo', 'the bounce matched after the restart');
    expect(Number(retry.delayMs)).toBeGreaterThanOrEqual(BASE_DELAY_MS / 4);

    // The user comes online (their presence reaches the component): the item is due at once.
    fake.send(new Element('presence', { from: `${USER}/phone`, to: DOMAIN }));
    const again = await fake.waitForStanza(
      (s) => s !== first && s.is('message') && s.attrs.type !== 'error' && s.getChildText('body') === body,
      'the bounced echo delivered again',
      10_000,
    );
    expect(Date.now() - since).toBeLessThan(BASE_DELAY_MS / 4);
    expect(again.attrs).toMatchObject({ from: CONTACT, to: USER });
    expect(fake.received.filter((s) => s.is('message') && s.getChildText('body') === body)).toHaveLength(2);
  });
});
