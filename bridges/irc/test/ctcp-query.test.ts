// XEP-0092 version and XEP-0199 ping of an IRC nick, asked from XMPP, as CTCP VERSION and PING
// round trips against a real ngircd and a native IRC client (irc-framework answers both).
import { describe, expect, it } from 'vitest';
import { connectNativeIrc } from '../../../test/helpers/irc-native.js';
import { expectInbound, startBridge, unique, useNgircd } from './helpers.js';

const ircd = useNgircd();

describe('CTCP VERSION and PING from XMPP to an IRC nick', () => {
  it('answers a version query with the nick’s CTCP VERSION reply, and a ping with its CTCP PING reply', async () => {
    const id = unique();
    const b = await startBridge(ircd().port);
    const native = await connectNativeIrc(ircd().port, `V${id}`);
    // irc-framework answers CTCP VERSION by itself; PING is answered here, as IRC clients do.
    native.client.on('ctcp request', (e) => {
      if (e.message?.startsWith('PING ') && e.nick) native.client.raw('NOTICE', e.nick, `\x01${e.message}\x01`);
    });
    try {
      const user = `u${id}@example.org`;
      const version = await b.bridge.askContact.version(user, `v${id}%test`);
      expect(version.name.length).toBeGreaterThan(0);
      expect(version.name).not.toBe('unknown');
      await expect(b.bridge.askContact.ping(user, `v${id}%test`)).resolves.toBeUndefined();
    } finally {
      await native.quit();
      await b.close();
    }
  });

  it('the nick’s CTCP reply is also shown in the chat with that nick; a CTCP to the channel is not shown', async () => {
    const id = unique();
    const b = await startBridge(ircd().port);
    const user = `u${id}@example.org`;
    const chan = `#t${id}`;
    // startBridge and connectNativeIrc stop what they started when the test ends (test/helpers/cleanup.ts).
    const native = await connectNativeIrc(ircd().port, `T${id}`);
    native.client.join(chan);
    await native.expect('join');
    await b.bridge.send({ kind: 'join', user, resource: 'r1', to: `${chan}%test`, nick: `X${id}` });
    await expectInbound(b.t, 'presence', (e) => !!e.muc?.codes.includes(110), 'joined');
    native.client.raw('PRIVMSG', chan, '\x01VERSION\x01');
    native.client.raw('NOTICE', `X${id}`, '\x01VERSION Native \x02IRC\x02 1.0\x01');
    const shown = await expectInbound(b.t, 'message', (e) => e.from === `t${id}%test`, 'the CTCP reply');
    expect(shown).toMatchObject({ user, type: 'chat', body: 'CTCP VERSION reply: Native IRC 1.0' });
    expect(b.t.inbound().filter((e) => e.kind === 'message' && e.body.includes('VERSION') && e.body !== shown.body)).toEqual([]);
  });

  it('answers item-not-found for a nick that is not on the network', async () => {
    const id = unique();
    const b = await startBridge(ircd().port);
    try {
      await expect(b.bridge.askContact.ping(`w${id}@example.org`, `nobody${id}%test`)).rejects.toMatchObject({ condition: 'item-not-found' });
    } finally {
      await b.close();
    }
  });
});
