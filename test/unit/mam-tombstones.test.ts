// XEP-0313 results and join history as stanzas for what modern clients need from the archive:
// XEP-0424 §6 tombstones in place of retracted messages and XEP-0461 references kept. The core's
// archive on an in-memory store, the MAM handler (src/xmpp/mam.ts) through the iq router, and the
// join history through encodeInbound; trees compared, not strings.
import { Element } from 'ltx';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { CoreArchive } from '../../src/core/archive.js';
import { CoreRooms } from '../../src/core/rooms.js';
import type { Inbound } from '../../src/core/model.js';
import { IqRouter } from '../../src/xmpp/iq.js';
import { registerMam } from '../../src/xmpp/mam.js';
import { encodeInbound } from '../../src/xmpp/stanza.js';
import { memoryKv } from '../helpers/memory-kv.js';

const DOMAIN = 'irc.localhost';
const USER = 'alice@example.org';
const MAM = 'urn:xmpp:mam:2';
const RETRACT = 'urn:xmpp:message-retract:1';
const REPLY = 'urn:xmpp:reply:0';
const NOW = '2026-03-01T12:00:00.000Z';

async function mamResults(archive: CoreArchive, localpart: string, kind: 'room' | 'contact'): Promise<Element[]> {
  const router = new IqRouter(pino({ level: 'silent' }));
  const sent: Element[] = [];
  registerMam(router, { resolve: (l) => ({ kind, localpart: l, archive: kind === 'room' ? 'test\n#c' : 'test\n@bob' }) }, archive, DOMAIN, (el) => (sent.push(el), Promise.resolve()));
  const stanza = new Element('iq', { type: 'set', id: 'q1', from: `${USER}/r1`, to: `${localpart}@${DOMAIN}` });
  stanza.c('query', { xmlns: MAM, queryid: 'f1' });
  const reply = await router.dispatch({ stanza, user: USER, resource: 'r1', from: `${USER}/r1`, localpart, toResource: '' });
  expect(reply?.attrs.type).toBe('result');
  return sent.map((m) => m.getChild('result', MAM)!.getChild('forwarded', 'urn:xmpp:forward:0')!.getChild('message')!);
}

function archiveWithReplyAndRetraction(): CoreArchive {
  const archive = new CoreArchive(memoryKv(), { now: () => Date.parse(NOW) });
  archive.append(USER, 'test\n#c', { id: 'p1', nick: 'bob', body: 'question?' });
  archive.append(USER, 'test\n#c', { id: 'a1', nick: 'carol', body: 'answer', replyTo: { id: 'p1', to: '#c%test/bob' } });
  archive.append(USER, 'test\n#c', { id: 'x1', nick: 'bob', body: 'wrong window' });
  archive.retract(USER, 'test\n#c', 'x1', { id: 'ret-1' });
  return archive;
}

describe('MAM results of a room (XEP-0313)', () => {
  it('a reply carries its <reply> with the parent\'s stanza-id and author; a retracted message is a tombstone without body', async () => {
    const [parent, answer, retracted] = await mamResults(archiveWithReplyAndRetraction(), '#c%test', 'room');
    expect(parent!.getChild('reply', REPLY)).toBeUndefined();
    expect(answer!.getChildText('body')).toBe('answer');
    expect(answer!.getChild('reply', REPLY)?.attrs).toEqual({ xmlns: REPLY, id: 'p1', to: `#c%test@${DOMAIN}/bob` });
    expect(retracted!.attrs).toMatchObject({ id: 'x1', from: `#c%test@${DOMAIN}/bob`, type: 'groupchat' });
    expect(retracted!.getChild('body')).toBeUndefined();
    expect(retracted!.getChild('retracted', RETRACT)?.attrs).toEqual({ xmlns: RETRACT, id: 'ret-1', stamp: NOW });
    expect(retracted!.toString()).not.toContain('wrong window');
  });
});

describe('MAM results of a private conversation', () => {
  it('the user\'s own retracted message keeps its origin-id (XEP-0424 §6), from the user', async () => {
    const archive = new CoreArchive(memoryKv(), { now: () => Date.parse(NOW) });
    archive.append(USER, 'test\n@bob', { id: 'pm-1', originId: 'o-1', nick: 'alice', body: 'oops', outgoing: true });
    archive.retract(USER, 'test\n@bob', 'o-1');
    const [m] = await mamResults(archive, 'bob%test', 'contact');
    expect(m!.attrs).toMatchObject({ from: USER, to: `bob%test@${DOMAIN}`, id: 'pm-1' });
    expect(m!.getChild('body')).toBeUndefined();
    expect(m!.getChild('retracted', RETRACT)?.attrs.stamp).toBe(NOW);
    expect(m!.getChild('origin-id', 'urn:xmpp:sid:0')?.attrs.id).toBe('o-1');
  });
});

describe('join history stanzas (XEP-0045 §7.2.15)', () => {
  it('the core rooms pass a history item\'s reply reference and tombstone to the stanza', async () => {
    const out: Inbound[] = [];
    const rooms = new CoreRooms({ deliver: (e) => void out.push(e), kv: memoryKv() });
    const self = { role: 'participant', affiliation: 'none' } as const;
    await rooms.joined(USER, '#c%test', { nick: 'alice', self, occupants: [], subject: '' }, {
      resource: 'r1',
      history: [
        { nick: 'carol', body: 'answer', stanzaId: 'a1', stamp: NOW, replyTo: { id: 'p1', to: '#c%test/bob' } },
        { nick: 'bob', body: '', stanzaId: 'x1', stamp: NOW, retracted: { stamp: NOW } },
      ],
    });
    const history = out.filter((e) => e.kind === 'message').map((e) => encodeInbound(e, DOMAIN));
    expect(history.map((m) => m.getChild('reply', REPLY)?.attrs.id)).toEqual(['p1', undefined]);
    expect(history.map((m) => m.getChild('retracted', RETRACT)?.attrs.stamp)).toEqual([undefined, NOW]);
    expect(history[1]!.getChild('body')).toBeUndefined();
  });

  it('a retracted message in the history is a tombstone; a reply keeps its reference', () => {
    const base = { kind: 'message', user: USER, from: '#c%test', toResource: 'r1', type: 'groupchat', body: '', delay: NOW } as const;
    const tomb = encodeInbound({ ...base, fromResource: 'bob', stanzaId: 'x1', retracted: { stamp: NOW, id: 'ret-1' } } satisfies Inbound, DOMAIN);
    expect(tomb.getChild('body')).toBeUndefined();
    expect(tomb.getChild('retracted', RETRACT)?.attrs).toEqual({ xmlns: RETRACT, id: 'ret-1', stamp: NOW });
    const reply = encodeInbound({ ...base, fromResource: 'carol', body: 'answer', stanzaId: 'a1', replyTo: { id: 'p1', to: '#c%test/bob' } } satisfies Inbound, DOMAIN);
    expect(reply.getChildText('body')).toBe('answer');
    expect(reply.getChild('reply', REPLY)?.attrs.to).toBe(`#c%test@${DOMAIN}/bob`);
  });
});
