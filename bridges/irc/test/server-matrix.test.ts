/**
 * The core IRC scenarios against every IRC server Debian ships (issue 13): ngircd, InspIRCd 3,
 * ircd-hybrid, ircd-irc2 and ircd-ircu, each started on a loopback port with a fixture config
 * (test/helpers/irc-*.ts; hybrid, irc2 and ircu from the trees .ci/run unpacks). One scenario
 * list, run per server. Where a server differs, the row says so (server-matrix.ts) and the
 * scenario adapts only its set-up, never what the user must see: on irc2 the scenarios that need
 * a channel operator use a `&` channel.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TestIrcd } from '../../../test/helpers/ircd-debian-tree.js';
import { connectNativeIrc, type NativeIrcUser } from '../../../test/helpers/irc-native.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { expectInbound, find, indexOf, startBridge, unique, type BridgeUnderTest } from './helpers.js';
import { MATRIX } from './server-matrix.js';

// irc2 and ircu delay a client's commands after a burst (penalties, fake lag): generous waits.
const WAIT_MS = 20_000;

describe.each(MATRIX)('IRC scenarios on $kind', (row) => {
  let ircd: TestIrcd | undefined;
  const open: Array<BridgeUnderTest | NativeIrcUser> = [];

  beforeAll(async () => {
    ircd = await row.start({});
  });
  afterEach(async () => {
    for (const x of open.splice(0).reverse()) await ('quit' in x ? x.quit() : x.close());
  });
  afterAll(async () => {
    await ircd?.stop();
  });

  const server = (): TestIrcd => {
    if (!ircd) throw new Error(`${row.kind} did not start`);
    return ircd;
  };
  async function native(nick: string): Promise<NativeIrcUser> {
    const n = await connectNativeIrc(server().port, nick);
    open.push(n);
    return n;
  }
  async function bridge(): Promise<BridgeUnderTest> {
    const b = await startBridge(server().port);
    open.push(b);
    return b;
  }
  /** A channel a native user created (so is its operator), joined by a bridged user. */
  async function scene(prefix: '#' | '&' = row.opPrefix) {
    const id = unique();
    const op = await native(`N${id}`);
    const chan = `${prefix}c${id}`;
    op.client.join(chan);
    await op.expect('join', (e) => e.nick === op.nick, WAIT_MS);
    const b = await bridge();
    const user = `u${id}@example.org`;
    const room = `${chan}%test`;
    const nick = `X${id}`;
    await b.bridge.send({ kind: 'join', user, resource: 'r1', to: room, nick });
    await expectInbound(b.t, 'presence', (e) => e.from === room && e.fromResource === nick && !!e.muc?.codes.includes(110), `${nick} joined ${chan}`, 20_000);
    await op.expect('join', (e) => e.nick === nick, WAIT_MS);
    return { id, op, chan, b, t: b.t, user, room, nick };
  }

  it('registration: CAP only where the server has it, CASEMAPPING and NICKLEN from its 005', async () => {
    const s = await scene('#');
    const conn = s.b.bridge.sessionsOf(s.user)[0]?.conn;
    expect([...(conn?.caps ?? [])].sort()).toEqual(row.registration.caps);
    expect(conn?.isupport.caseMapping).toBe(row.registration.caseMapping);
    expect(conn?.isupport.nickLen).toBe(row.registration.nickLen);
  });

  it('a nick longer than NICKLEN when connecting: the server cuts it (join with its nick and 210) or refuses it (an error with its text)', async () => {
    const id = unique();
    const b = await bridge();
    const user = `l${id}@example.org`;
    const room = `#l${id}%test`;
    const long = `L${id}`.padEnd(row.registration.nickLen + 3, 'x');
    await b.bridge.send({ kind: 'join', user, resource: 'r1', to: room, nick: long, id: 'long' });
    if (row.longNick === 'refused') {
      const err = await expectInbound(b.t, 'error', (e) => e.from === room, 'the join refused', 20_000);
      expect(err).toMatchObject({ stanza: 'presence', mucJoin: true, condition: 'not-acceptable', id: 'long', fromResource: long, toResource: 'r1' });
      expect(err.text).toMatch(/erroneous nickname|too long/i);
      return;
    }
    const self = await expectInbound(b.t, 'presence', (e) => e.from === room && !!e.muc?.codes.includes(110), 'joined', 20_000);
    const given = self.fromResource ?? '';
    expect(given).toBe(long.slice(0, row.registration.nickLen));
    expect(self.muc?.codes).toContain(210);
    const watcher = await native(`W${id}`);
    watcher.client.join(`#l${id}`);
    await watcher.expect('join', (e) => e.nick === watcher.nick, WAIT_MS);
    await b.bridge.send({ kind: 'message', user, resource: 'r1', to: room, type: 'groupchat', body: 'me', receiptRequested: false });
    await watcher.expect('message', (e) => e.message === 'me' && e.nick === given, WAIT_MS);
    // The reflection waits for a PING round trip (refusals.ts), which ircu's fake lag delays: a test
    // that ended before it would let it reach a store already closed.
    await expectInbound(b.t, 'message', (e) => e.from === room && e.body === 'me' && e.fromResource === given, 'reflection', WAIT_MS);
  });

  it('join: occupants from NAMES with their roles, then self-presence 110, then the subject', async () => {
    const s = await scene();
    const other = find(s.t, 'presence', (e) => e.fromResource === s.op.nick)[0];
    expect(other?.muc).toMatchObject({ affiliation: 'admin', role: 'moderator' });
    const self = find(s.t, 'presence', (e) => e.fromResource === s.nick)[0];
    expect(self).toMatchObject({ user: s.user, from: s.room, toResource: 'r1', type: 'available' });
    expect(self?.muc).toMatchObject({ affiliation: 'none', role: 'participant' });
    expect(self?.muc?.codes).toContain(110);
    expect(indexOf(s.t, (e) => e.kind === 'presence' && e.fromResource === s.op.nick)).toBeLessThan(
      indexOf(s.t, (e) => e.kind === 'presence' && e.fromResource === s.nick),
    );
    await expectInbound(s.t, 'subject', (e) => e.from === s.room, 'the subject after the self-presence', WAIT_MS);
    expect(indexOf(s.t, (e) => e.kind === 'subject')).toBeGreaterThan(indexOf(s.t, (e) => e.kind === 'presence' && e.fromResource === s.nick));
  });

  it('groupchat both ways', async () => {
    const s = await scene('#');
    await s.b.bridge.send({
      kind: 'message',
      user: s.user,
      resource: 'r1',
      to: s.room,
      type: 'groupchat',
      body: 'from XMPP',
      id: 'g1',
      receiptRequested: false,
    });
    await s.op.expect('message', (e) => e.message === 'from XMPP' && e.nick === s.nick && e.target === s.chan, WAIT_MS);
    await expectInbound(s.t, 'message', (e) => e.body === 'from XMPP' && e.id === 'g1' && e.fromResource === s.nick, 'reflection', WAIT_MS);
    s.op.client.say(s.chan, 'from IRC');
    const got = await expectInbound(s.t, 'message', (e) => e.body === 'from IRC', 'IRC message', WAIT_MS);
    expect(got).toMatchObject({ from: s.room, fromResource: s.op.nick, type: 'groupchat', toResource: 'r1' });
  });

  it('private messages both ways', async () => {
    const s = await scene('#');
    const contact = `${s.op.nick.toLowerCase()}%test`;
    await s.b.bridge.send({ kind: 'message', user: s.user, resource: 'r1', to: contact, type: 'chat', body: 'psst', receiptRequested: false });
    await s.op.expect('message', (e) => e.message === 'psst' && e.nick === s.nick, WAIT_MS);
    s.op.client.say(s.nick, 'psst back');
    const pm = await expectInbound(s.t, 'message', (e) => e.body === 'psst back', 'private message', WAIT_MS);
    expect(pm).toMatchObject({ user: s.user, type: 'chat' });
    expect(pm.from.toLowerCase()).toBe(contact);
  });

  it('nick changes both ways give 303 then the new presence', async () => {
    const s = await scene('#');
    const renamed = `Y${s.id}`;
    await s.b.bridge.send({ kind: 'nick', user: s.user, resource: 'r1', to: s.room, toResource: renamed, nick: renamed });
    const gone = await expectInbound(s.t, 'presence', (e) => e.type === 'unavailable' && e.fromResource === s.nick, 'old nick unavailable', WAIT_MS);
    expect(gone.muc).toMatchObject({ nick: renamed, codes: [303, 110] });
    await expectInbound(s.t, 'presence', (e) => e.type === 'available' && e.fromResource === renamed && !!e.muc?.codes.includes(110), 'new nick', WAIT_MS);
    await s.op.expect('nick', (e) => e.new_nick === renamed, WAIT_MS);
    s.op.client.changeNick(`M${s.id}`);
    const nat = await expectInbound(s.t, 'presence', (e) => e.type === 'unavailable' && e.fromResource === s.op.nick, 'native old nick', WAIT_MS);
    expect(nat.muc).toMatchObject({ nick: `M${s.id}`, codes: [303] });
    await expectInbound(s.t, 'presence', (e) => e.type === 'available' && e.fromResource === `M${s.id}`, 'native new nick', WAIT_MS);
  });

  it('a nick change to a nick longer than NICKLEN: the nick the server gave (303, 110), or its refusal', async () => {
    const s = await scene('#');
    const long = `Z${s.id}`.padEnd(row.registration.nickLen + 3, 'z');
    await s.b.bridge.send({ kind: 'nick', user: s.user, resource: 'r1', to: s.room, toResource: long, nick: long, id: 'n-long' });
    if (row.longNick === 'refused') {
      const err = await expectInbound(s.t, 'error', (e) => e.from === s.room && e.id === 'n-long', 'the nick change refused', WAIT_MS);
      expect(err).toMatchObject({ stanza: 'presence', condition: 'not-acceptable', toResource: 'r1' });
      // ngircd: "Nickname too long, max. 30 characters"; InspIRCd: "Erroneous Nickname".
      expect(err.text).toMatch(/erroneous nickname|too long/i);
      return;
    }
    const given = long.slice(0, row.registration.nickLen);
    const gone = await expectInbound(s.t, 'presence', (e) => e.type === 'unavailable' && e.fromResource === s.nick, 'old nick unavailable', WAIT_MS);
    expect(gone.muc).toMatchObject({ nick: given, codes: [303, 110] });
    await expectInbound(
      s.t,
      'presence',
      (e) => e.type === 'available' && e.fromResource === given && !!e.muc?.codes.includes(110),
      'the nick the server gave',
      WAIT_MS,
    );
    await s.op.expect('nick', (e) => e.new_nick === given, WAIT_MS);
  });

  it('kicks both ways: an IRC KICK gives 307 with actor and reason; role none kicks on IRC', async () => {
    const s = await scene();
    s.op.client.raw('MODE', s.chan, '+o', s.nick);
    await expectInbound(s.t, 'presence', (e) => e.fromResource === s.nick && e.muc?.role === 'moderator', 'bridged user opped', WAIT_MS);
    const id2 = unique();
    const other = await native(`K${id2}`);
    other.client.join(s.chan);
    await expectInbound(s.t, 'presence', (e) => e.fromResource === other.nick, 'second native joined', WAIT_MS);
    await s.b.bridge.send({ kind: 'moderate', user: s.user, resource: 'r1', to: s.room, nick: other.nick, role: 'none', reason: 'reported' });
    await other.expect('kick', (e) => e.kicked === other.nick, WAIT_MS);
    const out = await expectInbound(s.t, 'presence', (e) => e.type === 'unavailable' && e.fromResource === other.nick, 'kicked occupant', WAIT_MS);
    expect(out.muc).toMatchObject({ role: 'none', actor: s.nick, reason: 'reported', codes: [307] });
    s.op.client.raw('KICK', s.chan, s.nick, 'bye now');
    const self = await expectInbound(
      s.t,
      'presence',
      (e) => e.from === s.room && e.fromResource === s.nick && e.type === 'unavailable',
      'self kicked',
      WAIT_MS,
    );
    expect(self.muc).toMatchObject({ role: 'none', actor: s.op.nick, reason: 'bye now' });
    expect(self.muc?.codes).toEqual([307, 110]);
  });

  it('topics both ways: the subject from its setter', async () => {
    const s = await scene();
    s.op.client.raw('MODE', s.chan, '+o', s.nick);
    await expectInbound(s.t, 'presence', (e) => e.fromResource === s.nick && e.muc?.role === 'moderator', 'bridged user opped', WAIT_MS);
    await s.b.bridge.send({ kind: 'subject', user: s.user, resource: 'r1', to: s.room, subject: 'FIRST LINE\nSECOND LINE.' });
    await s.op.expect('topic', (e) => e.topic === 'FIRST LINE SECOND LINE.', WAIT_MS);
    const mine = await expectInbound(s.t, 'subject', (e) => e.subject === 'FIRST LINE SECOND LINE.', 'reflected subject', WAIT_MS);
    expect(mine.fromResource).toBe(s.nick);
    s.op.client.setTopic(s.chan, 'from IRC');
    const theirs = await expectInbound(s.t, 'subject', (e) => e.subject === 'from IRC', 'IRC topic', WAIT_MS);
    expect(theirs).toMatchObject({ from: s.room, fromResource: s.op.nick });
  });

  it('modes to roles: +v participant/member, +o moderator/admin, -o back', async () => {
    const s = await scene();
    s.op.client.raw('MODE', s.chan, '+v', s.nick);
    const voiced = await expectInbound(s.t, 'presence', (e) => e.fromResource === s.nick && e.muc?.affiliation === 'member', '+v', WAIT_MS);
    expect(voiced.muc).toMatchObject({ affiliation: 'member', role: 'participant' });
    s.op.client.raw('MODE', s.chan, '+o', s.nick);
    await expectInbound(s.t, 'presence', (e) => e.fromResource === s.nick && e.muc?.affiliation === 'admin' && e.muc.role === 'moderator', '+o', WAIT_MS);
    const opped = indexOf(s.t, (e) => e.kind === 'presence' && e.fromResource === s.nick && e.muc?.affiliation === 'admin');
    s.op.client.raw('MODE', s.chan, '-o', s.nick);
    const later = () => s.t.inbound().slice(opped + 1);
    const deopped = await waitFor(() => later().find((e) => e.kind === 'presence' && e.fromResource === s.nick), '-o', WAIT_MS);
    expect(deopped.kind === 'presence' && deopped.muc).toMatchObject({ affiliation: 'member', role: 'participant' });
  });

  it('PART and QUIT from IRC remove the occupant with the message as status; leaving parts', async () => {
    const s = await scene('#');
    const a = await native(`A${s.id}`);
    const c = await native(`C${s.id}`);
    a.client.join(s.chan);
    c.client.join(s.chan);
    await expectInbound(s.t, 'presence', (e) => e.fromResource === a.nick, 'a joined', WAIT_MS);
    await expectInbound(s.t, 'presence', (e) => e.fromResource === c.nick, 'c joined', WAIT_MS);
    const since = Date.now();
    await waitFor(() => Date.now() - since >= (row.exitReasonAfterMs ?? 0), `${row.kind} to show exit reasons`);
    a.client.part(s.chan, 'see you');
    const parted = await expectInbound(s.t, 'presence', (e) => e.type === 'unavailable' && e.fromResource === a.nick, 'part', WAIT_MS);
    expect(parted.status).toBe('see you');
    c.client.quit('gone fishing');
    const quit = await expectInbound(s.t, 'presence', (e) => e.type === 'unavailable' && e.fromResource === c.nick, 'quit', WAIT_MS);
    expect(quit.status).toMatch(/gone fishing/);
    await s.b.bridge.send({ kind: 'leave', user: s.user, resource: 'r1', to: s.room, status: 'bye' });
    const self = await expectInbound(s.t, 'presence', (e) => e.type === 'unavailable' && e.fromResource === s.nick, 'self leave', WAIT_MS);
    expect(self.muc?.codes).toContain(110);
    await s.op.expect('part', (e) => e.nick === s.nick, WAIT_MS);
  });

  // Last two: they restart the server under the other scenarios' feet.
  it('after the server restarts, the gateway reconnects and rejoins the channel', { timeout: 60_000 }, async () => {
    const s = await scene('#');
    await server().restart(500);
    await expectInbound(s.t, 'presence', (e) => e.from === s.room && e.fromResource === s.nick && /reconnecting/.test(e.status ?? ''), 'room lost', 20_000);
    const back = await expectInbound(
      s.t,
      'presence',
      (e) => e.from === s.room && e.fromResource === s.nick && (e.status ?? '').startsWith('Rejoined'),
      'rejoined',
      40_000,
    );
    expect(back.muc?.codes).toEqual([110, 100]);
    const again = await native(`R${s.id}`);
    again.client.join(s.chan);
    await again.expect('join', (e) => e.nick === again.nick, WAIT_MS);
    await s.b.bridge.send({ kind: 'message', user: s.user, resource: 'r1', to: s.room, type: 'groupchat', body: 'still here', receiptRequested: false });
    await again.expect('message', (e) => e.message === 'still here' && e.nick === s.nick, WAIT_MS);
    await expectInbound(s.t, 'message', (e) => e.body === 'still here' && e.fromResource === s.nick, 'reflection', WAIT_MS);
  });

  it('after the server crashes (SIGKILL) and comes back, the gateway rejoins the channel', { timeout: 60_000 }, async () => {
    const s = await scene('#');
    const since = s.t.inbound().length;
    await server().restart(500, 'kill');
    const later = () => s.t.inbound().slice(since);
    await waitFor(
      () => later().find((e) => e.kind === 'presence' && e.from === s.room && (e.status ?? '').startsWith('Rejoined')),
      'rejoined after the crash',
      40_000,
    );
    const again = await native(`Q${s.id}`);
    again.client.join(s.chan);
    await expectInbound(s.t, 'presence', (e) => e.from === s.room && e.fromResource === again.nick, 'a new native seen in the rejoined room', WAIT_MS);
  });
});
