// The receiver answers every stanza that asks for an answer, and stays silent where RFC 6120 /
// RFC 6121 want silence — including the cases an XMPP server usually filters before they reach
// the component (so the integration test cannot show them): `subscribed`/`unsubscribed` answers,
// unavailable presence, error stanzas. Real echo bridge, real store, no XMPP server.
import { Element, parse } from 'ltx';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AccessPolicy } from '../../src/core/access.js';
import { FEATURES, type Bridge, type ResolvedAddress } from '../../src/core/bridge.js';
import type { Outbound } from '../../src/core/model.js';
import { IqRouter } from '../../src/xmpp/iq.js';
import { IqClient } from '../../src/xmpp/iq-client.js';
import { PresenceService } from '../../src/xmpp/presence.js';
import { StanzaReceiver } from '../../src/xmpp/receiver.js';
import { EchoBridge } from '../../bridges/echo/index.js';
import { createTestContext, type TestBridgeContext } from '../helpers/bridge-context.js';
import { errorCondition } from '../helpers/stanza-assert.js';

const DOMAIN = 'rooms.example.org';
const USER = 'alice@example.org';

/** The echo bridge with one room address (`room`), so room paths can be driven too. */
class RoomEcho extends EchoBridge {
  override resolve(localpart: string): ResolvedAddress {
    if (localpart === 'room') return { kind: 'room', localpart, name: 'the room' };
    if (localpart === 'typist') return { kind: 'contact', localpart, features: [FEATURES.chatStates] };
    return super.resolve(localpart);
  }
}

describe('the receiver answers or is silent by spec', () => {
  let t: TestBridgeContext;
  let sent: Element[];
  let queued: Outbound[];
  let receiver: StanzaReceiver;

  beforeEach(async () => {
    t = await createTestContext({ id: 'echo', domain: DOMAIN, users: [USER] });
    sent = [];
    queued = [];
    const bridge: Bridge = new RoomEcho(t.ctx, { prefix: '', delay_ms: 0 });
    const send = async (el: Element) => void sent.push(el);
    const log = pino({ level: 'silent' });
    receiver = new StanzaReceiver({
      domain: DOMAIN,
      bridgeId: 'echo',
      bridge,
      access: new AccessPolicy({ users: [USER], domains: [] }, []),
      router: new IqRouter(log),
      presence: new PresenceService({ bridgeId: 'echo', domain: DOMAIN, bridge, hasPresence: false, store: t.store, send, health: () => ({ canDeliver: true }) }),
      store: t.store,
      log,
      send,
      enqueue: (event) => (queued.push(event), { duplicate: false }),
      iqClient: new IqClient(DOMAIN, send),
    });
  });

  afterEach(async () => {
    await t.close();
  });

  const from = `${USER}/phone`;
  const receive = (xml: string) => receiver.receive(parse(xml.replaceAll('FROM', from)));
  const long = 'x'.repeat(300);

  it.each([
    [`<message from='FROM' to='${long}@${DOMAIN}' type='chat' id='a1'><body>x</body></message>`, 'jid-malformed'],
    [`<message from='FROM' to='someone@${DOMAIN}' type='groupchat' id='a2'><body>x</body></message>`, 'item-not-found'],
    [`<presence from='FROM' to='someone@${DOMAIN}/nick' id='a3'><x xmlns='http://jabber.org/protocol/muc'/></presence>`, 'item-not-found'],
    [`<presence from='FROM' to='room@${DOMAIN}' id='a4'><x xmlns='http://jabber.org/protocol/muc'/></presence>`, 'jid-malformed'],
    [`<presence from='FROM' to='${long}@${DOMAIN}' type='subscribe' id='a5'/>`, 'jid-malformed'],
    [`<iq from='FROM' to='${long}@${DOMAIN}' type='get' id='a6'><ping xmlns='urn:xmpp:ping'/></iq>`, 'jid-malformed'],
    [`<iq from='FROM' to='${long}@${DOMAIN}' type='set' id='a7'><query xmlns='jabber:iq:register'/></iq>`, 'jid-malformed'],
    [
      `<message from='FROM' to='someone@${DOMAIN}' type='chat' id='a8'><body>Poll: lunch?</body><fallback xmlns='urn:xmpp:fallback:0' for='urn:example:polls:0'/></message>`,
      'feature-not-implemented',
    ],
    [`<message from='FROM' to='someone@${DOMAIN}' type='chat' id='a9'><retract xmlns='urn:xmpp:message-retract:1'/></message>`, 'bad-request'],
  ])('%s → %s with the original id', async (xml, condition) => {
    await receive(xml);
    expect(sent).toHaveLength(1);
    const [answer] = sent;
    expect(answer!.attrs).toMatchObject({ type: 'error', to: from, id: xml.match(/id='(a\d)'/)![1] });
    expect(errorCondition(answer!)).toBe(condition);
    expect(queued).toEqual([]);
  });

  it.each([
    [`<presence from='FROM' to='${long}@${DOMAIN}' type='unavailable'/>`, 'RFC 6121 §4.5.3: nothing was asked'],
    [`<presence from='FROM' to='${long}@${DOMAIN}' type='subscribed'/>`, 'RFC 6121 §3.1.5: an answer, not a request'],
    [`<presence from='FROM' to='${long}@${DOMAIN}' type='unsubscribed'/>`, 'RFC 6121 §3.2.3: an answer, not a request'],
    [`<message from='FROM' to='${long}@${DOMAIN}' type='error' id='e1'><error type='cancel'/></message>`, 'RFC 6120 §8.3.1: never answer an error'],
    [`<iq from='FROM' to='${long}@${DOMAIN}' type='result' id='r1'/>`, 'RFC 6120 §8.2.3: a result is never answered'],
    [`<message from='FROM' to='someone@${DOMAIN}' type='chat'><composing xmlns='http://jabber.org/protocol/chatstates'/></message>`, 'XEP-0085: a chat state alone asks nothing'],
  ])('silent: %s (%s)', async (xml) => {
    await receive(xml);
    expect(sent).toEqual([]);
  });

  it('drops a chat state before the outbox where the bridge does not carry them, silently', async () => {
    await receive(`<message from='FROM' to='someone@${DOMAIN}' type='chat' id='c1'><composing xmlns='http://jabber.org/protocol/chatstates'/></message>`);
    await receive(`<message from='FROM' to='room@${DOMAIN}' type='groupchat' id='c2'><paused xmlns='http://jabber.org/protocol/chatstates'/></message>`);
    await receive(`<message from='FROM' to='typist@${DOMAIN}' type='groupchat' id='c3'><paused xmlns='http://jabber.org/protocol/chatstates'/></message>`);
    await receive(`<message from='FROM' to='${DOMAIN}' type='chat' id='c4'><active xmlns='http://jabber.org/protocol/chatstates'/></message>`);
    expect(sent).toEqual([]);
    expect(queued).toEqual([]);
  });

  it('queues a chat state where the address declares chat states (FEATURES.chatStates)', async () => {
    await receive(`<message from='FROM' to='typist@${DOMAIN}' type='chat' id='c5'><composing xmlns='http://jabber.org/protocol/chatstates'/><no-store xmlns='urn:xmpp:hints'/></message>`);
    expect(sent).toEqual([]);
    expect(queued).toMatchObject([{ kind: 'chatstate', state: 'composing', to: 'typist', id: 'c5' }]);
  });

  it('queues retractions and reactions for the bridge to decide (not refused at decode)', async () => {
    await receive(
      `<message from='FROM' to='someone@${DOMAIN}' type='chat' id='d1'><retract xmlns='urn:xmpp:message-retract:1' id='x'/><fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:message-retract:1'/><body>This person attempted to retract a previous message, but it's unsupported by your client.</body></message>`,
    );
    await receive(`<message from='FROM' to='someone@${DOMAIN}' type='chat' id='d2'><reactions xmlns='urn:xmpp:reactions:0' id='x'><reaction>👍</reaction></reactions></message>`);
    expect(sent).toEqual([]);
    expect(queued).toMatchObject([
      { kind: 'retraction', retracts: 'x', id: 'd1' },
      { kind: 'reaction', reactsTo: 'x', emojis: ['👍'], id: 'd2' },
    ]);
  });

  it('still relays a reply without its quote', async () => {
    await receive(
      `<message from='FROM' to='someone@${DOMAIN}' type='chat' id='r2'><body>&gt; bob: hi\nhello</body><reply xmlns='urn:xmpp:reply:0' to='x@y' id='z'/><fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:reply:0'><body start='0' end='10'/></fallback></message>`,
    );
    expect(sent).toEqual([]);
    expect(queued).toMatchObject([{ kind: 'message', body: 'hello', id: 'r2', replyTo: { id: 'z', to: 'x@y' } }]);
  });

  it('keeps <x xmlns=muc/> in the error of a failed join (XEP-0045 §7.2.6)', async () => {
    await receive(`<presence from='FROM' to='someone@${DOMAIN}/nick' id='j1'><x xmlns='http://jabber.org/protocol/muc'/></presence>`);
    expect(sent[0]!.getChild('x', 'http://jabber.org/protocol/muc')).toBeDefined();
  });
});
