// XEP-0092 version and XEP-0199 ping of an IRC nick, asked from XMPP, as CTCP VERSION and PING
// round trips against a real ngircd and a native IRC client (irc-framework answers both).
import { describe, expect, it } from 'vitest';
import { connectNativeIrc } from '../../../test/helpers/irc-native.js';
import { startBridge, unique, useNgircd } from './helpers.js';

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
      const version = await b.bridge.contactVersion(user, `v${id}%test`);
      expect(version.name.length).toBeGreaterThan(0);
      expect(version.name).not.toBe('unknown');
      await expect(b.bridge.pingContact(user, `v${id}%test`)).resolves.toBeUndefined();
    } finally {
      await native.quit();
      await b.close();
    }
  });

  it('answers item-not-found for a nick that is not on the network', async () => {
    const id = unique();
    const b = await startBridge(ircd().port);
    try {
      await expect(b.bridge.pingContact(`w${id}@example.org`, `nobody${id}%test`)).rejects.toMatchObject({ condition: 'item-not-found' });
    } finally {
      await b.close();
    }
  });
});
