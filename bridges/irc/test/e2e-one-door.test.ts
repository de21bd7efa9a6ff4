// One door into a bridge (design.md §1.6): a client that goes offline with groupchats still
// queued for a room must not be PARTed before they are sent. Prosody, the built gateway with a
// slow IRC throttle, ngircd and a native IRC user who watches the order.
import { xml } from '@xmpp/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NativeIrcUser } from '../../../test/helpers/irc-native.js';
import type { TestClient } from '../../../test/helpers/xmpp-client.js';
import { startIrcStack, type IrcStack } from './e2e-stack.js';

const DOMAIN = 'irc.localhost';
const COUNT = 25;

describe('IRC: presence-driven PART through the outbox', () => {
  let stack: IrcStack;
  let alice: TestClient;
  let native: NativeIrcUser;

  beforeAll(async () => {
    // 3 lines at once, then 10 a second: 25 groupchats take ~2 s to leave.
    stack = await startIrcStack({ domain: DOMAIN, secret: 'irc-secret', nativeNick: 'Watcher', network: { throttle: { burst: 3, lines_per_second: 10 } } });
    ({ alice, native } = stack);
  }, 60_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('a PART after going offline never overtakes groupchats still queued for that room', { timeout: 60_000 }, async () => {
    // Alice lets the gateway see her presence, so her going offline reaches the domain too.
    await alice.send(xml('presence', { to: DOMAIN, type: 'subscribe' }));
    await alice.waitForStanza((s) => s.is('presence') && s.attrs.from === DOMAIN && s.attrs.type === 'subscribe', 'the gateway asks for her presence');
    await alice.send(xml('presence', { to: DOMAIN, type: 'subscribed' }));
    await alice.iq(xml('iq', { type: 'get' }, xml('query', { xmlns: 'jabber:iq:roster' })));

    native.client.join('#door');
    await native.expect('join', (e) => e.nick === 'Watcher');
    const room = `#door%test@${DOMAIN}`;
    await alice.send(xml('presence', { to: `${room}/Alice` }, xml('x', { xmlns: 'http://jabber.org/protocol/muc' })));
    await native.expect('join', (e) => e.nick === 'Alice');

    for (let i = 1; i <= COUNT; i++) await alice.send(xml('message', { to: room, type: 'groupchat', id: `g${i}` }, xml('body', {}, `line ${i}`)));
    await alice.stop();

    await native.expect('part', (e) => e.nick === 'Alice', 20_000).catch(() => native.expect('quit', (e) => e.nick === 'Alice', 1));
    const seen = native.events.filter((e) => (e.event === 'message' && e.nick === 'Alice') || ((e.event === 'part' || e.event === 'quit') && e.nick === 'Alice'));
    expect(seen.map((e) => (e.event === 'message' ? e.message : e.event))).toEqual([...Array.from({ length: COUNT }, (_, i) => `line ${i + 1}`), expect.stringMatching(/^(part|quit)$/)]);
  });
});
