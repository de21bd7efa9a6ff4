// Bans through muc#admin as an XMPP client sends them (XEP-0045 §9.1, §9.2, §9.5), through Prosody,
// the built gateway and ngircd: ban by nick (a kickban, 301), the ban list as the outcast list,
// unban by the listed JID, and a ban by an IRC nick's JID of someone not in the channel.
import { xml } from '@xmpp/client';
import type { Element } from 'ltx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NativeIrcUser } from '../../../test/helpers/irc-native.js';
import type { TestClient } from '../../../test/helpers/xmpp-client.js';
import { startIrcStack, type IrcStack } from './e2e-stack.js';

const DOMAIN = 'irc.localhost';
const ROOM = `#bans%test@${DOMAIN}`;
const ADMIN = 'http://jabber.org/protocol/muc#admin';
const MUC_USER = 'http://jabber.org/protocol/muc#user';

describe('IRC bans through muc#admin (Prosody, ngircd)', () => {
  let stack: IrcStack;
  let alice: TestClient;
  let native: NativeIrcUser;

  const admin = (type: 'get' | 'set', item: Record<string, string>, reason?: string): Promise<Element> =>
    alice.iq(xml('iq', { type, to: ROOM }, xml('query', { xmlns: ADMIN }, xml('item', item, ...(reason ? [xml('reason', {}, reason)] : [])))));
  const banList = async (): Promise<string[]> => {
    const answer = await admin('get', { affiliation: 'outcast' });
    expect(answer.attrs.type).toBe('result');
    return answer.getChild('query', ADMIN)!.getChildren('item').map((i) => String(i.attrs.jid));
  };

  beforeAll(async () => {
    stack = await startIrcStack({ domain: DOMAIN, secret: 'irc-bans-secret', nativeNick: 'Spammer' });
    ({ alice, native } = stack);
    // alice creates the channel, so IRC makes her its operator (moderator, admin).
    await alice.send(xml('presence', { to: `${ROOM}/Alice` }, xml('x', { xmlns: 'http://jabber.org/protocol/muc' })));
    await alice.waitForStanza((s) => s.is('presence') && s.attrs.from === `${ROOM}/Alice` && s.getChild('x', MUC_USER)?.getChild('item')?.attrs.role === 'moderator', 'alice is operator');
    native.client.join('#bans');
    await alice.waitForStanza((s) => s.is('presence') && s.attrs.from === `${ROOM}/Spammer`, 'Spammer joins');
  }, 60_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('bans an occupant by nick: +b and KICK, 301 with affiliation outcast, listed as outcast; unbanned by the listed JID', async () => {
    expect(await banList()).toEqual([]);
    const done = await admin('set', { nick: 'Spammer', affiliation: 'outcast' }, 'spam');
    expect(done.attrs.type).toBe('result');
    const gone = await alice.waitForStanza((s) => s.is('presence') && s.attrs.from === `${ROOM}/Spammer` && s.attrs.type === 'unavailable', 'Spammer removed');
    const x = gone.getChild('x', MUC_USER)!;
    expect(x.getChildren('status').map((st) => st.attrs.code)).toEqual(['301']);
    expect(x.getChild('item')?.attrs).toMatchObject({ affiliation: 'outcast', role: 'none' });
    expect(x.getChild('item')?.getChildText('reason')).toBe('spam');
    await native.expect('kick', (e) => e.kicked === 'Spammer');

    const listed = await banList();
    expect(listed).toEqual([`Spammer!*\\40*@${DOMAIN}`]);
    const lifted = await admin('set', { jid: listed[0]!, affiliation: 'none' });
    expect(lifted.attrs.type).toBe('result');
    expect(await banList()).toEqual([]);
    native.client.join('#bans');
    await alice.waitForStanza((s) => s.is('presence') && s.attrs.from === `${ROOM}/Spammer` && s.attrs.type === undefined, 'Spammer back in');
  });

  it('bans an IRC nick by its JID while it is not in the channel; a foreign JID is not-acceptable', async () => {
    const done = await admin('set', { jid: `troll%test@${DOMAIN}`, affiliation: 'outcast' });
    expect(done.attrs.type).toBe('result');
    expect(await banList()).toContain(`troll!*\\40*@${DOMAIN}`);
    const refused = await admin('set', { jid: 'someone@example.org', affiliation: 'outcast' });
    expect(refused.attrs.type).toBe('error');
    expect(refused.getChild('error')?.getChild('not-acceptable')).toBeDefined();
    const members = await admin('get', { affiliation: 'member' });
    expect(members.getChild('error')?.getChild('feature-not-implemented')).toBeDefined();
  });
});
