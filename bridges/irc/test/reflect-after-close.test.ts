// A groupchat's reflection waits for the server's chance to refuse it (a PING round trip on a
// server without echo-message: refusals.ts). If delivering the reflection then fails (here: the
// store is closed, as at shutdown), the failure is logged, not left as an unhandled rejection that
// would end the whole gateway for every user (Node's default on unhandled rejections).
import { describe, expect, it } from 'vitest';
import { connectNativeIrc } from '../../../test/helpers/irc-native.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { expectInbound, startBridge, unique, useNgircd } from './helpers.js';

const ircd = useNgircd();

describe('a held reflection that cannot be delivered (ngircd)', () => {
  it('is logged as reflect_failed, never an unhandled rejection', async () => {
    const id = unique();
    const logs: Array<Record<string, unknown>> = [];
    const b = await startBridge(ircd().port, {}, {}, { logs });
    const user = `u${id}@example.org`;
    const chan = `#r${id}`;
    const room = `${chan}%test`;
    const nick = `X${id}`;
    const native = await connectNativeIrc(ircd().port, `N${id}`);
    try {
      native.client.join(chan);
      await native.expect('join');
      await b.bridge.send({ kind: 'join', user, resource: 'r1', to: room, nick, id: 'j1' });
      await expectInbound(b.t, 'presence', (e) => e.fromResource === nick && e.toResource === 'r1', 'self-presence');
      await b.bridge.send({ kind: 'message', type: 'groupchat', user, resource: 'r1', to: room, body: 'held', receiptRequested: false, id: `m${id}` });
      // The line is on the wire; its reflection waits for the PONG. The store goes away first.
      b.t.store.close();
      await native.expect('message', (e) => e.nick === nick && e.message === 'held');
      const failed = await waitFor(() => logs.find((l) => l.event === 'reflect_failed'), 'the failed reflection logged');
      expect(failed.user).toBe(user);
    } finally {
      await native.quit();
      await b.close();
    }
  });
});
