/**
 * The muc#owner form (XEP-0045 §10.2) is the core's, for every bridge with rooms, "stanza in,
 * stanzas out": a tiny test bridge adds one field of its own (`persistent`), the core adds the
 * history settings of the room (record_history, max_history_length, biboumi's names) and stores
 * them per (user, room) next to its archive, which obeys them: recording and the join history.
 */
import { Element } from 'ltx';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { FormField } from '../../src/core/adhoc-model.js';
import { CoreArchive } from '../../src/core/archive.js';
import type { ResolvedAddress } from '../../src/core/bridge.js';
import { StanzaError } from '../../src/core/errors.js';
import { formBoolean } from '../../src/core/form-values.js';
import type { RoomConfigBridge } from '../../src/core/room-config.js';
import { IqRouter } from '../../src/xmpp/iq.js';
import { registerMucOwner } from '../../src/xmpp/muc-owner.js';
import { memoryKv } from '../helpers/memory-kv.js';

const DOMAIN = 'chat.example';
const USER = 'alice@example.org';
const OWNER = 'http://jabber.org/protocol/muc#owner';
const DATA = 'jabber:x:data';

/** Rooms `lobby` and `Lobby` (one archive), `plain` (a room without archive), contact `bob`. */
function setup(retention: { recordHistory?: boolean; maxHistoryLength?: number } = {}) {
  const persistent = new Map<string, boolean>();
  const bridge: RoomConfigBridge = {
    resolve(localpart): ResolvedAddress {
      if (localpart === 'bob') return { kind: 'contact', localpart };
      if (localpart === 'plain') return { kind: 'room', localpart, name: 'Plain room' };
      return { kind: 'room', localpart, name: 'The lobby', archive: 'lobby' };
    },
    roomConfig: {
      fields: async (user, room): Promise<FormField[]> => [{ var: 'persistent', type: 'boolean', values: [persistent.get(`${user} ${room}`) ? '1' : '0'] }],
      async submit(user, room, values) {
        const p = formBoolean(values, 'persistent');
        if (p !== undefined) persistent.set(`${user} ${room}`, p);
      },
    },
  };
  const archive = new CoreArchive(memoryKv(), { now: () => Date.parse('2026-12-01T12:00:00Z') }, memoryKv());
  archive.setRetention({ maxMessages: 100, maxDays: 0, ...retention });
  const router = new IqRouter(pino({ level: 'silent' }));
  registerMucOwner(router, bridge, archive.settings);
  let n = 0;
  const iq = async (type: 'get' | 'set', to: string, payload: Element): Promise<Element> => {
    const stanza = new Element('iq', { type, id: `q${++n}`, from: `${USER}/phone`, to: `${to}@${DOMAIN}` }).cnode(payload).root();
    const reply = await router.dispatch({ stanza, user: USER, resource: 'phone', from: `${USER}/phone`, localpart: to, toResource: '' });
    if (!reply) throw new Error('no reply');
    return reply;
  };
  const get = (to: string) => iq('get', to, new Element('query', { xmlns: OWNER }));
  const submit = (to: string, values: Record<string, string>, type = 'submit') => {
    const x = new Element('x', { xmlns: DATA, type });
    for (const [name, value] of Object.entries(values)) x.c('field', { var: name }).c('value').t(value);
    return iq('set', to, new Element('query', { xmlns: OWNER }).cnode(x).root());
  };
  return { bridge, archive, persistent, iq, get, submit };
}

/** The form's fields as [var, value] pairs, in order. */
const fieldsOf = (reply: Element): Array<[string, string | undefined]> =>
  reply
    .getChild('query', OWNER)!
    .getChild('x', DATA)!
    .getChildren('field')
    .map((f) => [f.attrs.var as string, f.getChildText('value') ?? undefined]);
const errorOf = (reply: Element) => ({
  type: reply.attrs.type as string,
  condition: reply
    .getChild('error')
    ?.children.map((c) => (c as Element).name)
    .find((name) => name !== 'text'),
});

describe('core muc#owner form (XEP-0045 §10.2)', () => {
  it('a get returns FORM_TYPE, the bridge’s fields, then the history settings with the operator’s defaults', async () => {
    const t = setup();
    const reply = await t.get('lobby');
    expect(reply.attrs).toMatchObject({ type: 'result', id: 'q1', to: `${USER}/phone`, from: `lobby@${DOMAIN}` });
    const x = reply.getChild('query', OWNER)!.getChild('x', DATA)!;
    expect(x.attrs.type).toBe('form');
    expect(x.getChildText('title')).toBe('Configure The lobby');
    expect(fieldsOf(reply)).toEqual([
      ['FORM_TYPE', 'http://jabber.org/protocol/muc#roomconfig'],
      ['persistent', '0'],
      ['record_history', '1'],
      ['max_history_length', '20'],
    ]);
    expect(fieldsOf(await setup({ recordHistory: false, maxHistoryLength: 7 }).get('lobby')).slice(2)).toEqual([
      ['record_history', '0'],
      ['max_history_length', '7'],
    ]);
  });

  it('a submit stores the room’s settings for the user (every spelling of the room) and the bridge’s field; the next get shows them', async () => {
    const t = setup();
    expect(
      (await t.submit('lobby', { FORM_TYPE: 'http://jabber.org/protocol/muc#roomconfig', persistent: '1', record_history: '0', max_history_length: '5' })).attrs
        .type,
    ).toBe('result');
    expect(fieldsOf(await t.get('lobby')).slice(1)).toEqual([
      ['persistent', '1'],
      ['record_history', '0'],
      ['max_history_length', '5'],
    ]);
    expect(fieldsOf(await t.get('Lobby')).slice(2)).toEqual([
      ['record_history', '0'],
      ['max_history_length', '5'],
    ]);
    expect(t.archive.settings.effective('bob@example.org', 'lobby')).toEqual({ recordHistory: true, maxHistoryLength: 20 });
    // A length above what the archive keeps is cut to it.
    await t.submit('lobby', { max_history_length: '5000' });
    expect(fieldsOf(await t.get('lobby'))[3]).toEqual(['max_history_length', '100']);
  });

  it('a wrong value is bad-request and changes nothing, the core’s or the bridge’s', async () => {
    const t = setup();
    expect(errorOf(await t.submit('lobby', { persistent: '1', max_history_length: 'lots' }))).toEqual({ type: 'error', condition: 'bad-request' });
    expect(errorOf(await t.submit('lobby', { record_history: '0', persistent: 'maybe' }))).toEqual({ type: 'error', condition: 'bad-request' });
    expect(fieldsOf(await t.get('lobby')).slice(1)).toEqual([
      ['persistent', '0'],
      ['record_history', '1'],
      ['max_history_length', '20'],
    ]);
  });

  it('a cancel is acknowledged and changes nothing; a set without a form is bad-request', async () => {
    const t = setup();
    expect((await t.submit('lobby', { record_history: '0' }, 'cancel')).attrs.type).toBe('result');
    expect(fieldsOf(await t.get('lobby'))[2]).toEqual(['record_history', '1']);
    expect(errorOf(await t.iq('set', 'lobby', new Element('query', { xmlns: OWNER })))).toEqual({ type: 'error', condition: 'bad-request' });
  });

  it('a contact has no configuration (service-unavailable); a room without an archive has only the bridge’s fields', async () => {
    const t = setup();
    expect(errorOf(await t.get('bob'))).toEqual({ type: 'error', condition: 'service-unavailable' });
    expect(errorOf(await t.submit('bob', { record_history: '0' }, 'cancel'))).toEqual({ type: 'error', condition: 'service-unavailable' });
    expect(fieldsOf(await t.get('plain')).map(([v]) => v)).toEqual(['FORM_TYPE', 'persistent']);
    await t.submit('plain', { persistent: '1', record_history: '0' });
    expect(t.persistent.get(`${USER} plain`)).toBe(true);
  });
});

describe('the core archive obeys the history settings', () => {
  const entry = (i: number) => ({ id: `m${i}`, nick: 'bob', body: `b${i}` });

  it('record_history off: a room’s messages are not recorded (a private conversation’s are), and there is no join history', async () => {
    const t = setup();
    t.archive.append(USER, 'lobby', entry(1), { room: true });
    await t.submit('lobby', { record_history: '0' });
    t.archive.append(USER, 'lobby', entry(2), { room: true });
    t.archive.append(USER, 'private', entry(3));
    expect(t.archive.entries(USER, 'lobby').map((e) => e.id)).toEqual(['m1']);
    expect(t.archive.entries(USER, 'private').map((e) => e.id)).toEqual(['m3']);
    expect(t.archive.joinHistory(USER, 'lobby', undefined)).toEqual([]);
  });

  it('max_history_length bounds the join history before the client’s <history/>; the room wins over the user’s defaults, those over the operator’s', async () => {
    const t = setup({ maxHistoryLength: 4 });
    for (let i = 1; i <= 6; i++) t.archive.append(USER, 'lobby', entry(i), { room: true });
    const ids = () => t.archive.joinHistory(USER, 'lobby', undefined).map((e) => e.id);
    expect(ids()).toEqual(['m3', 'm4', 'm5', 'm6']);
    t.archive.settings.setUserDefaults(USER, t.archive.settings.parse({ max_history_length: ['2'] }));
    expect(ids()).toEqual(['m5', 'm6']);
    expect(t.archive.settings.defaultFields(USER).map((f) => [f.var, f.values?.[0]])).toEqual([
      ['max_history_length', '2'],
      ['record_history', '1'],
    ]);
    await t.submit('lobby', { max_history_length: '3' });
    expect(ids()).toEqual(['m4', 'm5', 'm6']);
    expect(t.archive.joinHistory(USER, 'lobby', { maxstanzas: 1 }).map((e) => e.id)).toEqual(['m6']);
    expect(() => t.archive.settings.parse({ record_history: ['maybe'] })).toThrow(StanzaError);
  });
});
