// The IRC bridge end to end: a real XMPP client on Prosody, the built gateway as a process,
// ngircd, and a native IRC user (peer-tests.md §1.3 simple_channel_join, channel_messages).
import { xml } from '@xmpp/client';
import type { Element } from 'ltx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NativeIrcUser } from '../../../test/helpers/irc-native.js';
import type { TestClient } from '../../../test/helpers/xmpp-client.js';
import { startIrcStack, type IrcStack } from './e2e-stack.js';
import { errorCondition } from '../../../test/helpers/stanza-assert.js';
import { waitFor } from '../../../test/helpers/wait.js';

const DOMAIN = 'irc.localhost';
const SECRET = 'irc-secret';
const MUC_USER = 'http://jabber.org/protocol/muc#user';

const codes = (el: Element) => el.getChild('x', MUC_USER)?.getChildren('status').map((s) => Number(s.attrs.code)) ?? [];

describe('IRC bridge through Prosody', () => {
  let alice: TestClient;
  let native: NativeIrcUser;

  let stack: IrcStack;

  beforeAll(async () => {
    stack = await startIrcStack({ domain: DOMAIN, secret: SECRET, nativeNick: 'NativeN' });
    ({ alice, native } = stack);
    native.client.join('#foo');
    await native.expect('join');
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('joins a channel: occupants, self-presence 110+100, subject; then messages both ways', async () => {
    const room = `#foo%test@${DOMAIN}`;
    await alice.send(xml('presence', { to: `${room}/Alice` }, xml('x', { xmlns: 'http://jabber.org/protocol/muc' })));
    const other = await alice.waitForStanza((s) => s.is('presence') && s.attrs.from === `${room}/NativeN`, 'native occupant');
    expect(other.getChild('x', MUC_USER)?.getChild('item')?.attrs).toMatchObject({ affiliation: 'admin', role: 'moderator' });
    const self = await alice.waitForStanza((s) => s.is('presence') && s.attrs.from === `${room}/Alice`, 'self-presence');
    expect(codes(self)).toEqual(expect.arrayContaining([110, 100]));
    const subject = await alice.waitForStanza((s) => s.is('message') && s.getChild('subject') !== undefined, 'subject');
    expect(subject.attrs.type).toBe('groupchat');

    await alice.send(xml('message', { to: room, type: 'groupchat', id: 'first_id' }, xml('body', {}, 'coucou')));
    await native.expect('message', (e) => e.message === 'coucou' && e.nick === 'Alice');
    const refl = await alice.waitForStanza((s) => s.is('message') && s.getChildText('body') === 'coucou', 'reflection');
    expect(refl.attrs).toMatchObject({ from: `${room}/Alice`, id: 'first_id', type: 'groupchat' });
    expect(refl.getChild('stanza-id', 'urn:xmpp:sid:0')?.attrs.by).toBe(room);

    native.client.say('#foo', 'salut');
    const msg = await alice.waitForStanza((s) => s.is('message') && s.getChildText('body') === 'salut', 'IRC message');
    expect(msg.attrs.from).toBe(`${room}/NativeN`);

    native.client.say('Alice', 'en privé');
    const pm = await alice.waitForStanza((s) => s.is('message') && s.getChildText('body') === 'en privé', 'PM');
    expect(pm.attrs.from).toBe(`nativen%test@${DOMAIN}`);
  });

  it('a groupchat from a resource that has not joined gets not-acceptable', async () => {
    await alice.send(xml('message', { to: `#nothere%test@${DOMAIN}`, type: 'groupchat', id: 'nj' }, xml('body', {}, 'x')));
    const err = await alice.waitForStanza((s) => s.is('message') && s.attrs.type === 'error' && s.attrs.id === 'nj', 'error');
    expect(errorCondition(err)).toBe('not-acceptable');
  });

  it('answers a version iq to nick%network with the nick’s CTCP VERSION reply (XEP-0092)', async () => {
    const reply = await alice.iq(xml('iq', { type: 'get', to: `nativen%test@${DOMAIN}` }, xml('query', { xmlns: 'jabber:iq:version' })));
    expect(reply.attrs.type).toBe('result');
    expect(reply.attrs.from).toBe(`nativen%test@${DOMAIN}`);
    expect(reply.getChild('query')?.getChildText('name')).toBeTruthy();
    expect(reply.getChild('query')?.getChildText('name')).not.toBe('Switchboard');
  });

  it('a CTCP VERSION or PING to the user’s nick is asked of the user’s XMPP client (XEP-0092, XEP-0199)', async () => {
    const asked: string[] = [];
    alice.xmpp.iqCallee.get('jabber:iq:version', 'query', (ctx) => {
      asked.push(String(ctx.stanza.attrs.from));
      return xml('query', { xmlns: 'jabber:iq:version' }, xml('name', {}, 'Conversations'), xml('version', {}, '2.15'), xml('os', {}, 'Android'));
    });
    const replies: Array<{ type: string; message: string }> = [];
    native.client.on('ctcp response', (e) => replies.push({ type: String(e.type), message: String(e.message) }));
    native.client.ctcpRequest('Alice', 'VERSION');
    const version = await waitFor(() => replies.find((r) => r.type === 'VERSION'), 'the CTCP VERSION reply');
    expect(version.message).toBe('VERSION Conversations 2.15 (Android)');
    // The question came from the asking nick's JID.
    expect(asked).toEqual([`nativen%test@${DOMAIN}`]);
    // @xmpp/client answers XEP-0199 pings itself.
    native.client.ctcpRequest('Alice', 'PING', '424242');
    const ping = await waitFor(() => replies.find((r) => r.type === 'PING'), 'the CTCP PING reply');
    expect(ping.message).toBe('PING 424242');
  });
});
