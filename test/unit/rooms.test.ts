/**
 * The core's rooms (design.md §4a), "stanza in, stanzas out" in slidge's style: a tiny test bridge
 * reports its network through `ctx.rooms`, and each test reads the XEP-0045 stanzas the core
 * would send (encoded by src/xmpp/stanza.ts): status codes, the §7.2 join order, multi-resource
 * fan-out, leaves, self-ping, and the rooms kept for a restart.
 */
import type { Element } from 'ltx';
import { describe, expect, it } from 'vitest';
import type { Bridge, SendResult } from '../../src/core/bridge.js';
import type { Inbound, Outbound } from '../../src/core/model.js';
import type { Occupant } from '../../src/core/room-types.js';
import { CoreRooms } from '../../src/core/rooms.js';
import { sendThroughRooms } from '../../src/core/room-send.js';
import { memoryKv } from '../helpers/memory-kv.js';
import { encodeInbound } from '../../src/xmpp/stanza.js';

const DOMAIN = 'chat.example';
const USER = 'alice@example.org';
const ROOM = 'lobby';
const MUC_USER = 'http://jabber.org/protocol/muc#user';

const bob: Occupant = { nick: 'bob', role: 'participant', affiliation: 'none', jid: `bob@${DOMAIN}/host` };
const carol: Occupant = { nick: 'carol', role: 'moderator', affiliation: 'admin' };

/** A network with one room: bob and carol are in it; a join gets nick `given` when set. */
function setup(opts: { given?: string; kv?: ReturnType<typeof memoryKv> } = {}) {
  const out: Inbound[] = [];
  const kv = opts.kv ?? memoryKv();
  const rooms = new CoreRooms({ kv, deliver: (e) => void out.push(e) });
  const parted: Outbound[] = [];
  const bridge: Pick<Bridge, 'send'> = {
    async send(event): Promise<SendResult> {
      if (event.kind === 'join') {
        const snapshot = {
          nick: opts.given ?? event.nick,
          self: { role: 'participant' as const, affiliation: 'member' as const },
          occupants: [bob, carol],
          subject: 'Welcome',
          subjectBy: 'carol',
        };
        await rooms.joined(
          event.user,
          event.to,
          snapshot,
          event.rejoin
            ? { status: 'Rejoined.' }
            : {
                resource: event.resource ?? '',
                requestedNick: event.nick,
                history: [{ nick: 'bob', body: 'earlier', stanzaId: 'h1', stamp: '2026-12-01T10:00:00.000Z' }],
              },
        );
      }
      if (event.kind === 'leave') parted.push(event);
      return event.kind === 'leave' ? { status: 'Parted.' } : {};
    },
  };
  const send = (event: Outbound) => sendThroughRooms(bridge as Bridge, rooms, event, {});
  const join = (resource: string, nick = 'alice') => send({ kind: 'join', user: USER, resource, to: ROOM, nick });
  const stanzas = (): Element[] => out.splice(0).map((e) => encodeInbound(e, DOMAIN));
  return { rooms, kv, send, join, stanzas, parted };
}

const codes = (el: Element): number[] =>
  el
    .getChild('x', MUC_USER)
    ?.getChildren('status')
    .map((s) => Number(s.attrs.code)) ?? [];
const item = (el: Element) => el.getChild('x', MUC_USER)?.getChild('item')?.attrs as Record<string, string> | undefined;
const summary = (el: Element) => `${el.name} ${el.attrs.type ?? ''} ${el.attrs.from} → ${el.attrs.to}`.replace(/ +/g, ' ');

describe('core rooms: a join (XEP-0045 §7.2)', () => {
  it('sends occupants, self-presence (110, 100), history, then the subject, to the joining resource', async () => {
    const t = setup();
    await t.join('phone');
    const s = t.stanzas();
    expect(s.map(summary)).toEqual([
      `presence lobby@${DOMAIN}/bob → ${USER}/phone`,
      `presence lobby@${DOMAIN}/carol → ${USER}/phone`,
      `presence lobby@${DOMAIN}/alice → ${USER}/phone`,
      `message groupchat lobby@${DOMAIN}/bob → ${USER}/phone`,
      `message groupchat lobby@${DOMAIN}/carol → ${USER}/phone`,
    ]);
    expect(codes(s[0]!)).toEqual([]);
    expect(item(s[0]!)).toMatchObject({ role: 'participant', affiliation: 'none', jid: `bob@${DOMAIN}/host` });
    expect(item(s[1]!)).toMatchObject({ role: 'moderator', affiliation: 'admin' });
    expect(codes(s[2]!)).toEqual([110, 100]);
    expect(item(s[2]!)).toMatchObject({ jid: `${USER}/phone`, affiliation: 'member' });
    expect(s[3]!.getChildText('body')).toBe('earlier');
    expect(s[3]!.getChild('delay', 'urn:xmpp:delay')?.attrs.stamp).toBe('2026-12-01T10:00:00.000Z');
    expect(s[4]!.getChildText('subject')).toBe('Welcome');
    expect(t.rooms.resources(USER, ROOM)).toEqual(new Set(['phone']));
  });

  it('adds 210 when the network gave another nick (§7.2.14)', async () => {
    const t = setup({ given: 'alice_' });
    await t.join('phone', 'alice');
    const self = t.stanzas().find((e) => codes(e).includes(110))!;
    expect(self.attrs.from).toBe(`lobby@${DOMAIN}/alice_`);
    expect(codes(self)).toEqual([110, 100, 210]);
  });

  it('fans out to every joined resource, and a rejoin reaches all of them with its status', async () => {
    const t = setup();
    await t.join('phone');
    await t.join('laptop');
    t.stanzas();
    await t.rooms.message(USER, ROOM, { nick: 'bob', body: 'hi', stanzaId: 's1' });
    expect(t.stanzas().map((e) => e.attrs.to)).toEqual([`${USER}/phone`, `${USER}/laptop`]);
    await t.rooms.lost(USER, ROOM, [bob, carol], 'Connection lost; reconnecting…');
    const lost = t.stanzas();
    expect(lost.filter((e) => e.attrs.type === 'unavailable')).toHaveLength(4);
    const selfLost = lost.filter((e) => codes(e).includes(110));
    expect(selfLost.map((e) => [e.attrs.to, e.attrs.type, e.getChildText('status')])).toEqual([
      [`${USER}/phone`, undefined, 'Connection lost; reconnecting…'],
      [`${USER}/laptop`, undefined, 'Connection lost; reconnecting…'],
    ]);
    // While the network side is lost, nothing from it reaches the resources.
    await t.rooms.message(USER, ROOM, { nick: 'bob', body: 'lost' });
    expect(t.stanzas()).toEqual([]);
    await t.send({ kind: 'join', user: USER, to: ROOM, nick: 'alice', rejoin: true });
    const back = t.stanzas().filter((e) => codes(e).includes(110));
    expect(back.map((e) => [e.attrs.to, e.getChildText('status')])).toEqual([
      [`${USER}/phone`, 'Rejoined.'],
      [`${USER}/laptop`, 'Rejoined.'],
    ]);
  });
});

describe('core rooms: occupants (§7.6, §9.2, §9.6)', () => {
  it('renders joins, role changes, 303 pairs, 307 kicks and away, each once per resource', async () => {
    const t = setup();
    await t.join('phone');
    t.stanzas();
    await t.rooms.occupantJoined(USER, ROOM, { nick: 'dave', role: 'participant', affiliation: 'none' });
    await t.rooms.occupantChanged(USER, ROOM, { ...bob, role: 'moderator', away: 'lunch' });
    await t.rooms.occupantRenamed(USER, ROOM, bob, 'bobby');
    await t.rooms.occupantLeft(USER, ROOM, carol, { kick: { actor: 'bobby', reason: 'bye' } });
    await t.rooms.occupantLeft(USER, ROOM, { nick: 'dave', role: 'participant', affiliation: 'none' }, { status: 'Quit: zzz' });
    const [dave, changed, gone, renamed, kicked, left] = t.stanzas();
    expect(summary(dave!)).toBe(`presence lobby@${DOMAIN}/dave → ${USER}/phone`);
    expect(item(changed!)).toMatchObject({ role: 'moderator' });
    expect([changed!.getChildText('show'), changed!.getChildText('status')]).toEqual(['away', 'lunch']);
    expect([gone!.attrs.type, codes(gone!), item(gone!)?.nick]).toEqual(['unavailable', [303], 'bobby']);
    expect([renamed!.attrs.from, renamed!.attrs.type]).toEqual([`lobby@${DOMAIN}/bobby`, undefined]);
    expect([codes(kicked!), item(kicked!)?.role]).toEqual([[307], 'none']);
    expect(kicked!.getChild('x', MUC_USER)?.getChild('item')?.getChild('actor')?.attrs.nick).toBe('bobby');
    expect([codes(left!), left!.getChildText('status'), item(left!)?.role]).toEqual([[], 'Quit: zzz', 'none']);
  });

  it("the user's own nick change and kick carry 110; a kick ends the room", async () => {
    const t = setup();
    await t.join('phone');
    t.stanzas();
    await t.rooms.occupantRenamed(USER, ROOM, { nick: 'alice', role: 'participant', affiliation: 'member' }, 'alice2');
    const [gone, back] = t.stanzas();
    expect(codes(gone!)).toEqual([303, 110]);
    expect(codes(back!)).toEqual([110]);
    expect(t.rooms.nick(USER, ROOM)).toBe('alice2');
    await t.rooms.occupantLeft(USER, ROOM, { nick: 'alice2', role: 'participant', affiliation: 'member' }, { kick: { actor: 'carol' } });
    expect(codes(t.stanzas()[0]!)).toEqual([307, 110]);
    expect(t.rooms.has(USER, ROOM)).toBe(false);
    expect(t.kv.map.size).toBe(0);
  });

  it('an ended room tells every resource 110 + 332 and is forgotten', async () => {
    const t = setup();
    await t.join('phone');
    await t.join('laptop');
    t.stanzas();
    await t.rooms.ended(USER, ROOM, 'Banned.');
    const s = t.stanzas();
    expect(s.map((e) => [e.attrs.to, e.attrs.type, codes(e), e.getChildText('status')])).toEqual([
      [`${USER}/phone`, 'unavailable', [110, 332], 'Banned.'],
      [`${USER}/laptop`, 'unavailable', [110, 332], 'Banned.'],
    ]);
    expect(t.rooms.resources(USER, ROOM).size).toBe(0);
  });
});

describe('core rooms: leaving (§7.14), self-ping (XEP-0410), restart', () => {
  it('only the last resource reaches the bridge; each resource gets its own unavailable self-presence', async () => {
    const t = setup();
    await t.join('phone');
    await t.join('laptop');
    t.stanzas();
    await t.send({ kind: 'leave', user: USER, resource: 'phone', to: ROOM });
    expect(t.parted).toEqual([]);
    const [first] = t.stanzas();
    expect([first!.attrs.to, first!.attrs.type, codes(first!), first!.getChildText('status')]).toEqual([
      `${USER}/phone`,
      'unavailable',
      [110],
      '1 resource is still in this room.',
    ]);
    await t.send({ kind: 'leave', user: USER, resource: 'phone', to: ROOM });
    expect(t.stanzas()).toEqual([]); // nothing to leave, nothing to say
    await t.send({ kind: 'leave', user: USER, resource: 'laptop', to: ROOM });
    expect(t.parted).toHaveLength(1);
    const [last] = t.stanzas();
    expect([last!.attrs.to, codes(last!), last!.getChildText('status')]).toEqual([`${USER}/laptop`, [110], 'Parted.']);
    expect(t.rooms.has(USER, ROOM)).toBe(false);
  });

  it('answers self-ping for a joined resource under its nick only', async () => {
    const t = setup();
    await t.join('phone');
    expect(() => t.rooms.selfPing(USER, 'phone', ROOM, 'alice')).not.toThrow();
    expect(() => t.rooms.selfPing(USER, 'laptop', ROOM, 'alice')).toThrow(/not an occupant/);
    expect(() => t.rooms.selfPing(USER, 'phone', ROOM, 'bob')).toThrow(/not an occupant/);
    await t.rooms.lost(USER, ROOM, [], 'lost');
    expect(() => t.rooms.selfPing(USER, 'phone', ROOM, 'alice')).toThrow(/not an occupant/);
  });

  it('keeps joined rooms across a restart and rejoins them for the same resources', async () => {
    const kv = memoryKv();
    const before = setup({ kv });
    await before.join('phone');
    await before.join('laptop');
    const after = setup({ kv });
    const restored = after.rooms.restore();
    expect(restored).toEqual([{ user: USER, room: ROOM, nick: 'alice', resources: ['phone', 'laptop'] }]);
    expect(after.rooms.info(USER, ROOM)).toBeUndefined(); // not joined until the bridge says so
    await after.send({ kind: 'join', user: USER, to: ROOM, nick: 'alice', rejoin: true });
    expect(
      after
        .stanzas()
        .filter((e) => codes(e).includes(110))
        .map((e) => e.attrs.to),
    ).toEqual([`${USER}/phone`, `${USER}/laptop`]);
    expect(after.rooms.info(USER, ROOM)).toEqual({ occupants: 3, subject: 'Welcome' });
    const ended = after.rooms.endAll('Switchboard is shutting down for good.');
    expect(ended.map((e) => [e.toResource, e.kind === 'presence' ? e.muc?.codes : undefined])).toEqual([
      ['phone', [110, 332]],
      ['laptop', [110, 332]],
    ]);
    expect(after.rooms.restore()).toEqual([]);
  });
});
