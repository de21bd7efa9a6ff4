// A refusal comes back on the stanza that asked (issue 10): in a moderated (+m) channel the
// unvoiced user's groupchat gets an error with its id instead of a reflection, and a subject
// change by a non-operator in +t gets one too. Prosody, the built gateway, real ngircd.
import { xml } from '@xmpp/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NativeIrcUser } from '../../../test/helpers/irc-native.js';
import { metric } from '../../../test/helpers/gateway-http.js';
import { errorCondition, errorText } from '../../../test/helpers/stanza-assert.js';
import type { TestClient } from '../../../test/helpers/xmpp-client.js';
import { startIrcStack, type IrcStack } from './e2e-stack.js';

const DOMAIN = 'irc.localhost';
const ROOM = `#mod%test@${DOMAIN}`;

describe('IRC refusals through Prosody and ngircd', () => {
  let stack: IrcStack;
  let alice: TestClient;
  let native: NativeIrcUser;

  beforeAll(async () => {
    stack = await startIrcStack({ domain: DOMAIN, secret: 'irc-secret', nativeNick: 'ModOp' });
    ({ alice, native } = stack);
    native.client.join('#mod');
    await native.expect('join', (e) => e.nick === 'ModOp');
    native.client.raw('MODE #mod +mt');
    await native.expect('mode', (e) => e.target === '#mod');
    await alice.send(xml('presence', { to: `${ROOM}/Alice` }, xml('x', { xmlns: 'http://jabber.org/protocol/muc' })));
    await alice.waitForStanza((s) => s.is('presence') && s.attrs.from === `${ROOM}/Alice`, 'self-presence');
  }, 60_000);

  afterAll(async () => {
    await stack?.stop();
  });

  const reflectionOrError = (id: string) => alice.waitForStanza((s) => s.is('message') && s.attrs.id === id, `reflection or error of ${id}`);

  it('a groupchat refused with 404 (+m, no voice) comes back as forbidden with its id, never as a reflection', async () => {
    await alice.send(xml('message', { to: ROOM, type: 'groupchat', id: 'muted-1' }, xml('body', {}, 'can anyone hear me?')));
    const answer = await reflectionOrError('muted-1');
    expect(answer.attrs).toMatchObject({ type: 'error', from: ROOM });
    expect(errorCondition(answer)).toBe('forbidden');
    expect(errorText(answer)).toMatch(/cannot send to channel/i);
    // Only one answer for that id: no reflection came before or after the error.
    await alice.iq(xml('iq', { type: 'get', to: DOMAIN }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' })));
    expect(alice.received.filter((s) => s.is('message') && s.attrs.id === 'muted-1')).toHaveLength(1);
  });

  it('with voice the groupchat is reflected once the server had its chance to refuse (one PING round trip)', async () => {
    native.client.raw('MODE #mod +v Alice');
    await native.expect('mode', (e) => JSON.stringify(e).includes('+v'));
    await alice.waitForStanza((s) => s.is('presence') && s.attrs.from === `${ROOM}/Alice` && s.getChild('x', 'http://jabber.org/protocol/muc#user')?.getChild('item')?.attrs.role === 'participant', 'voice');
    const started = Date.now();
    await alice.send(xml('message', { to: ROOM, type: 'groupchat', id: 'voiced-1' }, xml('body', {}, 'now you hear me')));
    const answer = await reflectionOrError('voiced-1');
    expect(answer.attrs.type).toBe('groupchat');
    await native.expect('message', (e) => e.message === 'now you hear me');
    console.log(JSON.stringify({ figure: 'groupchat reflection latency with the PING barrier (ms)', value: Date.now() - started }));
  });

  it('a subject change by a non-operator in +t (482) comes back as forbidden with its id', async () => {
    await alice.send(xml('message', { to: ROOM, type: 'groupchat', id: 'topic-1' }, xml('subject', {}, 'my topic')));
    const answer = await reflectionOrError('topic-1');
    expect(answer.attrs.type).toBe('error');
    expect(errorCondition(answer)).toBe('forbidden');
    expect(errorText(answer)).toMatch(/channel operator/i);
  });

  it('a join the channel refuses (+k, 475) is a presence error with its id, counted as a failed delivery', async () => {
    native.client.join('#locked');
    await native.expect('join', (e) => e.nick === 'ModOp' && e.channel === '#locked');
    native.client.raw('MODE #locked +k sesame');
    await native.expect('mode', (e) => e.target === '#locked');
    const failedBefore = await metric(stack.gateway, 'switchboard_deliveries_total', { bridge: 'irc', direction: 'out', outcome: 'failed' });
    const room = `#locked%test@${DOMAIN}`;
    await alice.send(xml('presence', { to: `${room}/Alice`, id: 'join-locked' }, xml('x', { xmlns: 'http://jabber.org/protocol/muc' })));
    const refused = await alice.waitForStanza((s) => s.is('presence') && s.attrs.id === 'join-locked', 'the refused join');
    expect(refused.attrs).toMatchObject({ type: 'error', from: `${room}/Alice` });
    expect(errorCondition(refused)).toBe('not-authorized');
    expect(await metric(stack.gateway, 'switchboard_deliveries_total', { bridge: 'irc', direction: 'out', outcome: 'failed' })).toBe(failedBefore + 1);
  });
});
