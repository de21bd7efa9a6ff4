// Sharded mode on ejabberd (issue 14, design.md §5a, src/failover/shard-run.ts): two real gateway
// processes on one PostgreSQL, both connected to the echo and IRC component domains, ejabberd
// balancing each domain's routes by the sender's bare JID over 2 slots. 20 users each join an
// IRC channel and talk to the echo bridge; the users spread over both instances. One instance is
// killed with SIGKILL while its users' echo items are in flight: the survivor adopts its slot
// (component connections, store schema, IRC sessions), every user is served again within 15 s
// (ngircd sees each killed user's nick rejoin; every echo comes back), and every message is
// delivered exactly once: counted sent / delivered / duplicated. Then the killed instance comes
// back as a spare and the survivor hands it the adopted slot.
import { xml } from '@xmpp/client';
import pg from 'pg';
import { expect, it } from 'vitest';
import { startGateway } from '../helpers/gateway.js';
import { healthz, metric } from '../helpers/gateway-http.js';
import type { RecordedEvent } from '../helpers/irc-native.js';
import { body, codes, MUC, useIrcShardStack } from '../helpers/irc-shard-stack.js';
import { waitFor } from '../helpers/wait.js';
import { connectClient } from '../helpers/xmpp-client.js';

/** Long enough that the killed instance's echo items are in flight when it dies. */
const ECHO_DELAY_MS = 4000;
const USERS = 20;
const st = useIrcShardStack({ tag: 'shard', prefix: 'sh', users: USERS, slots: 2, echoDelayMs: ECHO_DELAY_MS, watcherNick: 'Watcher' });
const { names, clients, gateways, roomJid, gatewayOptions } = st;
const ircSaw = (event: string, pred: (e: RecordedEvent) => boolean) => st.watcher.events.filter((e) => e.event === event && pred(e));
const gateway = (url: string) => startGateway(gatewayOptions(url)).then((gw) => (gateways.push(gw), gw));

it(
  'spreads 20 users over two instances; after a kill -9 the survivor serves every user again within 15 s, each message once; a returning instance gets a slot back',
  { timeout: 180_000 },
  async () => {
    const url = await st.postgres.createDatabase();
    const a = await gateway(url);
    const b = await gateway(url);
    const homes = [a, b].map((gw) => gw.logs().find((l) => l.event === 'slot_home')?.slot);
    expect(new Set(homes).size, 'each instance took its own slot').toBe(2);

    for (const name of names) clients.set(name, await connectClient(st.server, name, `pw-${name}`, 'shard'));
    // Every user joins the channel: their IRC session opens on the instance ejabberd routes them to.
    await Promise.all(
      names.map(async (name) => {
        const c = clients.get(name)!;
        await c.send(xml('presence', { to: `${roomJid}/${name}` }, xml('x', { xmlns: MUC }, xml('history', { maxstanzas: '0' }))));
        await c.waitForStanza((s) => s.is('presence') && s.attrs.from === `${roomJid}/${name}` && codes(s).includes(110), `${name} joined`, 60_000);
      }),
    );
    await waitFor(() => names.every((n) => ircSaw('join', (e) => e.nick === n).length === 1), 'ngircd saw every user join', 30_000);

    // Before the kill: one groupchat each (delivered and seen), one echo each (in flight at the kill).
    for (const name of names)
      await clients.get(name)!.send(xml('message', { to: roomJid, type: 'groupchat', id: `g-pre-${name}` }, xml('body', {}, `pre ${name}`)));
    await waitFor(() => names.every((n) => ircSaw('message', (e) => e.message === `pre ${n}`).length === 1), 'every groupchat on IRC', 30_000);
    for (const name of names)
      await clients.get(name)!.send(xml('message', { to: `k@${st.echo}`, type: 'chat', id: `e-pre-${name}` }, xml('body', {}, `echo pre ${name}`)));
    // /metrics reads committed rows: every echo item is in PostgreSQL, pending (the echo bridge
    // holds each ECHO_DELAY_MS), split over the two instances' slots.
    const depth = async () => Promise.all([a, b].map((gw) => metric(gw, 'switchboard_outbox_depth', { bridge: 'echo' })));
    await waitFor(async () => (await depth()).reduce((x, y) => x + y) === USERS, 'every echo item committed');
    const held = await Promise.all([a, b].map((gw) => metric(gw, 'switchboard_irc_connections', { network: 'test', state: 'registered' })));
    expect(held[0]! + held[1]!, 'one IRC connection per user').toBe(USERS);
    expect(held[0], 'the instance to be killed holds some users').toBeGreaterThan(0);
    expect(held[1], 'the survivor holds some users').toBeGreaterThan(0);

    const killedAt = Date.now();
    const quitsBefore = st.watcher.events.length;
    await a.kill();
    // ngircd sees the killed instance's users' connections end: those are the users it held.
    const quits = () => st.watcher.events.slice(quitsBefore).filter((e) => e.event === 'quit');
    await waitFor(() => quits().length === held[0], 'the killed instance’s users quit IRC', 10_000);
    const killedUsers = quits().map((e) => e.nick);

    // Served again: the survivor adopts the slot, the IRC sessions come back (ngircd sees each nick rejoin).
    await b.waitForLog((l) => l.event === 'slot_adopted', 'the survivor adopts the slot', 15_000);
    await waitFor(
      () => killedUsers.every((n) => st.watcher.events.slice(quitsBefore).some((e) => e.event === 'join' && e.nick === n)),
      'every killed user rejoined on IRC',
      15_000,
    );
    // The echo items the dead instance had in flight come back from the survivor.
    await waitFor(() => names.every((n) => clients.get(n)!.received.some((m) => body(m) === `echo pre ${n}`)), 'every echo from before the kill', 15_000);
    // And new traffic from every user is served: groupchats reach IRC, echoes come back.
    for (const name of names) {
      const c = clients.get(name)!;
      await c.send(xml('message', { to: roomJid, type: 'groupchat', id: `g-post-${name}` }, xml('body', {}, `post ${name}`)));
      await c.send(xml('message', { to: `k@${st.echo}`, type: 'chat', id: `e-post-${name}` }, xml('body', {}, `echo post ${name}`)));
    }
    await waitFor(() => names.every((n) => ircSaw('message', (e) => e.message === `post ${n}`).length >= 1), 'every groupchat after the kill on IRC', 15_000);
    const servedMs = Date.now() - killedAt;
    expect(servedMs, 'every user served again (rejoined, and their groupchat on IRC)').toBeLessThan(15_000);
    // The echo bridge answers after its ECHO_DELAY_MS.
    await waitFor(() => names.every((n) => clients.get(n)!.received.some((m) => body(m) === `echo post ${n}`)), 'every echo after the kill', 15_000);
    // The adopted slot's gateway is on the survivor's /metrics, its series labelled with the slot.
    const adopted = { slot: String(homes[0]) };
    await waitFor(
      async () => (await metric(b, 'switchboard_irc_connections', { network: 'test', state: 'registered', ...adopted })) === held[0],
      'the adopted slot’s IRC connections on the survivor’s /metrics',
      15_000,
    );
    expect(await metric(b, 'switchboard_component_online', { bridge: 'irc', ...adopted })).toBe(1);
    expect(await metric(b, 'switchboard_irc_connections', { network: 'test', state: 'registered' }), 'its home slot’s, unlabelled as before').toBe(held[1]);

    // Counted: 4 messages per user sent, each delivered once (a duplicate would be a second copy).
    // A duplicate would come from a row delivered twice: wait until no row is pending in either
    // slot's schema (nothing is left that could be delivered again), then count.
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      const pendingIn = async (schema: string) =>
        Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.outbox WHERE state = 'pending'`)).rows[0]!.n);
      const pending = async () => (await pendingIn('switchboard_slot_0')) + (await pendingIn('switchboard_slot_1'));
      await waitFor(async () => (await pending()) === 0, 'both slots’ outboxes drained', 15_000);
    } finally {
      await db.end();
    }
    const count = (n: string) => ({
      ircPre: ircSaw('message', (e) => e.message === `pre ${n}`).length,
      ircPost: ircSaw('message', (e) => e.message === `post ${n}`).length,
      echoPre: clients.get(n)!.received.filter((m) => body(m) === `echo pre ${n}`).length,
      echoPost: clients.get(n)!.received.filter((m) => body(m) === `echo post ${n}`).length,
    });
    const tally = names.map(count);
    const sent = USERS * 4;
    const copies = tally.flatMap((t) => [t.ircPre, t.ircPost, t.echoPre, t.echoPost]);
    const delivered = copies.filter((n) => n > 0).length;
    const duplicated = copies.reduce((s, n) => s + Math.max(0, n - 1), 0);
    expect({ sent, delivered, duplicated }).toEqual({ sent, delivered: sent, duplicated: 0 });
    // No error came back to anyone.
    for (const c of clients.values()) expect(c.received.filter((s) => s.attrs.type === 'error')).toEqual([]);
    const h = (await healthz(b)) as unknown as { body: { role: string; slots: Array<{ held: boolean }> } };
    expect(h.body.role).toBe('shard');
    expect(h.body.slots.map((s) => s.held)).toEqual([true, true]);

    // The killed instance comes back: every slot is held, so it waits as a spare, and the survivor
    // hands it the slot it adopted; those users' IRC sessions move to it (ngircd sees them rejoin).
    const backAt = st.watcher.events.length;
    const c = await startGateway({ ...gatewayOptions(url), noWait: true });
    gateways.push(c);
    await b.waitForLog((l) => l.event === 'slot_handed_over', 'the survivor hands a slot over', 15_000);
    await c.waitForLog((l) => l.event === 'slot_home', 'the returning instance holds a slot', 15_000);
    await waitFor(
      () => killedUsers.every((n) => st.watcher.events.slice(backAt).some((e) => e.event === 'join' && e.nick === n)),
      'the moved users rejoined on IRC',
      20_000,
    );
    const moved = killedUsers[0]!;
    await clients.get(moved)!.send(xml('message', { to: roomJid, type: 'groupchat', id: `g-back-${moved}` }, xml('body', {}, `back ${moved}`)));
    await waitFor(
      () => ircSaw('message', (e) => e.message === `back ${moved}`).length === 1,
      'a moved user’s groupchat reaches IRC from the returning instance',
      15_000,
    );
    expect(((await healthz(b)).body as unknown as { slots: Array<{ held: boolean }> }).slots.filter((s) => s.held)).toHaveLength(1);
  },
);

it(
  'an instance that was only frozen while its slot was adopted exits when it wakes (its lease is fenced), and its users are served by the adopter',
  { timeout: 120_000 },
  async () => {
    const url = await st.postgres.createDatabase();
    const a = await gateway(url);
    const b = await gateway(url);
    for (const name of names) if (!clients.has(name)) clients.set(name, await connectClient(st.server, name, `pw-${name}`, 'shard'));
    a.process.kill('SIGSTOP');
    try {
      await b.waitForLog((l) => l.event === 'slot_adopted', 'the other instance adopts the frozen one’s slot', 15_000);
    } finally {
      a.process.kill('SIGCONT');
    }
    // Awake, it finds its lease taken (renewal or commit) and exits at once with code 3, writing nothing.
    expect(await Promise.race([a.exited, new Promise((resolve) => setTimeout(() => resolve('still running'), 15_000))])).toBe(3);
    expect(a.stderr()).toMatch(/lease lost/);
    // It closed its component connections first and said so: the adopter connects that slot's
    // gateway again, and its new connections take ejabberd's freed slot (a connection made while
    // every slot was held has none). Then every user is answered.
    await waitFor(
      () => {
        const logs = b.logs();
        const at = logs.findIndex((l) => l.event === 'slot_reconnect');
        return at >= 0 && logs.slice(at).filter((l) => l.event === 'online').length === 2;
      },
      'the adopter reconnects the slot',
      15_000,
    );
    for (const name of names) {
      await clients.get(name)!.send(xml('message', { to: `f@${st.echo}`, type: 'chat', id: `frozen-${name}` }, xml('body', {}, `frozen ${name}`)));
    }
    const answered = (n: string) => clients.get(n)!.received.some((m) => body(m) === `frozen ${n}`);
    await waitFor(() => names.every(answered), 'every user answered by the adopter', 30_000);
  },
);
