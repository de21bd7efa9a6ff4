// History, MAM, self-ping, room info and the owner form through the built gateway on Prosody,
// with ngircd and a native IRC user (XEP-0313, XEP-0410, XEP-0045 §7.2.15 and §10.2).
import { xml } from '@xmpp/client';
import type { Element } from 'ltx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NativeIrcUser } from '../../../test/helpers/irc-native.js';
import type { XmppServer } from '../../../test/helpers/server-process.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { connectClient, type TestClient } from '../../../test/helpers/xmpp-client.js';
import { startIrcStack, type IrcStack } from './e2e-stack.js';
import { errorCondition } from '../../../test/helpers/stanza-assert.js';

const DOMAIN = 'irc.localhost';
const SECRET = 'irc-secret';
const MAM = 'urn:xmpp:mam:2';
const RSM = 'http://jabber.org/protocol/rsm';
const NS_STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas';
const ROOM = `#hist%test@${DOMAIN}`;

const mamBody = (el: Element) => el.getChild('result', MAM)?.getChild('forwarded', 'urn:xmpp:forward:0')?.getChild('message')?.getChildText('body');

describe('IRC history and room hooks through Prosody', () => {
  let server: XmppServer;
  let alice: TestClient;
  let native: NativeIrcUser;

  let stack: IrcStack;

  beforeAll(async () => {
    stack = await startIrcStack({ domain: DOMAIN, secret: SECRET, nativeNick: 'HistN', network: { throttle: { burst: 50, lines_per_second: 50 } } });
    ({ server, alice, native } = stack);
    native.client.join('#hist');
    await native.expect('join');
    await alice.send(xml('presence', { to: `${ROOM}/Alice` }, xml('x', { xmlns: 'http://jabber.org/protocol/muc' })));
    await alice.waitForStanza((s) => s.is('message') && s.getChild('subject') !== undefined, 'subject');
    for (const text of ['one', 'two', 'three']) native.client.say('#hist', text);
    await alice.waitForStanza((s) => s.is('message') && s.getChildText('body') === 'three', 'live three');
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('MAM on the room returns the archived messages, then fin with RSM paging', async () => {
    const query = (id: string, set: Element) => xml('iq', { type: 'set', to: ROOM, id }, xml('query', { xmlns: MAM, queryid: id }, set));
    const fin1 = await alice.iq(query('q1', xml('set', { xmlns: RSM }, xml('max', {}, '2'))));
    expect(fin1.attrs.type).toBe('result');
    const page1 = alice.received.filter((s) => s.getChild('result', MAM)?.attrs.queryid === 'q1');
    expect(page1.map(mamBody)).toEqual(['one', 'two']);
    const fwd = page1[0]!.getChild('result', MAM)!.getChild('forwarded', 'urn:xmpp:forward:0')!;
    expect(fwd.getChild('message')?.attrs.from).toBe(`${ROOM}/HistN`);
    expect(fwd.getChild('delay', 'urn:xmpp:delay')?.attrs.stamp).toBeTruthy();
    const fin = fin1.getChild('fin', MAM)!;
    expect(fin.attrs.complete).toBeUndefined();
    const last = fin.getChild('set', RSM)?.getChildText('last');
    expect(fin.getChild('set', RSM)?.getChildText('count')).toBe('3');

    const fin2 = await alice.iq(query('q2', xml('set', { xmlns: RSM }, xml('max', {}, '2'), xml('after', {}, last!))));
    expect(alice.received.filter((s) => s.getChild('result', MAM)?.attrs.queryid === 'q2').map(mamBody)).toEqual(['three']);
    expect(fin2.getChild('fin', MAM)?.attrs.complete).toBe('true');
  });

  it('a second resource gets the history with delay between its self-presence and the subject', async () => {
    const bob = await connectClient(server, 'alice', 'pw-alice', 'resource2');
    await bob.send(xml('presence', { to: `${ROOM}/Alice` }, xml('x', { xmlns: 'http://jabber.org/protocol/muc' }, xml('history', { maxstanzas: '2' }))));
    await bob.waitForStanza((s) => s.is('message') && s.getChild('subject') !== undefined, 'subject');
    const history = bob.received.filter((s) => s.is('message') && s.getChildText('body') !== null);
    expect(history.map((s) => s.getChildText('body'))).toEqual(['two', 'three']);
    for (const h of history) expect(h.getChild('delay', 'urn:xmpp:delay')?.attrs.stamp).toBeTruthy();
    await bob.stop();
  });

  it('a client error bounce removes only that resource from the room (XEP-0045 §9.3)', async () => {
    const carol = await connectClient(server, 'alice', 'pw-alice', 'resource3');
    await carol.send(xml('presence', { to: `${ROOM}/Alice` }, xml('x', { xmlns: 'http://jabber.org/protocol/muc' }, xml('history', { maxchars: '0' }))));
    await carol.waitForStanza((s) => s.is('message') && s.getChild('subject') !== undefined, 'subject');
    await carol.send(xml('message', { to: ROOM, type: 'error' }, xml('error', { type: 'cancel' }, xml('service-unavailable', { xmlns: NS_STANZAS }))));
    const gone = await carol.waitForStanza((s) => s.is('presence') && s.attrs.type === 'unavailable' && s.attrs.from === `${ROOM}/Alice`, 'removed');
    expect(gone.getChild('x', 'http://jabber.org/protocol/muc#user')?.getChildren('status').map((c) => c.attrs.code)).toContain('110');
    expect(gone.getChildText('status')).toBe('1 resource is still in this room.');
    const ok = await alice.iq(xml('iq', { type: 'get', to: `${ROOM}/Alice` }, xml('ping', { xmlns: 'urn:xmpp:ping' })));
    expect(ok.attrs.type).toBe('result');
    await carol.stop();
  });

  it('presence with show away to the gateway sets IRC AWAY', async () => {
    await alice.send(xml('presence', { to: `test@${DOMAIN}` }, xml('show', {}, 'away'), xml('status', {}, 'at lunch')));
    const client = native.client as unknown as { whois(nick: string, cb: (data: { away?: string }) => void): void };
    const away = () => new Promise<string | undefined>((resolve) => client.whois('Alice', (d) => resolve(d.away)));
    await waitFor(async () => ((await away()) === 'at lunch' ? true : undefined), 'AWAY at lunch');
    await alice.send(xml('presence', { to: `test@${DOMAIN}` }));
    await waitFor(async () => ((await away()) === undefined ? true : undefined), 'AWAY cleared');
  });

  it('XEP-0410 self-ping answers result when joined and not-acceptable otherwise', async () => {
    const ok = await alice.iq(xml('iq', { type: 'get', to: `${ROOM}/Alice` }, xml('ping', { xmlns: 'urn:xmpp:ping' })));
    expect(ok.attrs.type).toBe('result');
    const notJoined = await alice.iq(xml('iq', { type: 'get', to: `#elsewhere%test@${DOMAIN}/Alice` }, xml('ping', { xmlns: 'urn:xmpp:ping' })));
    expect(notJoined.attrs.type).toBe('error');
    expect(errorCondition(notJoined)).toBe('not-acceptable');
  });

  it('disco#info on the room shows the occupant count, and muc#owner gives the channel settings form', async () => {
    const info = await alice.iq(xml('iq', { type: 'get', to: ROOM }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' })));
    const fields = info.getChild('query')?.getChild('x', 'jabber:x:data')?.getChildren('field') ?? [];
    expect(fields.find((f) => f.attrs.var === 'muc#roominfo_occupants')?.getChildText('value')).toBe('2');
    const form = await alice.iq(xml('iq', { type: 'get', to: ROOM }, xml('query', { xmlns: 'http://jabber.org/protocol/muc#owner' })));
    const vars = form.getChild('query')?.getChild('x', 'jabber:x:data')?.getChildren('field').map((f) => f.attrs.var);
    expect(vars).toEqual(expect.arrayContaining(['persistent', 'record_history', 'max_history_length']));
  });
});
