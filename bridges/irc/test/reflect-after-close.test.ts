// A groupchat's reflection waits for the server's chance to refuse it (a PING round trip on a
// server without echo-message: refusals.ts). If delivering the reflection then fails (here: the
// store is closed, as at shutdown), the failure is logged, not left as an unhandled rejection that
// would end the whole gateway for every user (Node's default on unhandled rejections).
import { afterEach, describe, expect, it } from 'vitest';
import type { NativeIrcUser } from '../../../test/helpers/irc-native.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { inChannelWithNative } from './channel-with-native.js';
import { useNgircd, type BridgeUnderTest } from './helpers.js';

const ircd = useNgircd();
const open: Array<BridgeUnderTest | NativeIrcUser> = [];

afterEach(async () => {
  for (const x of open.splice(0).reverse()) await ('quit' in x ? x.quit() : x.close());
});

describe('a held reflection that cannot be delivered (ngircd)', () => {
  it('is logged as reflect_failed, never an unhandled rejection', async () => {
    const logs: Array<Record<string, unknown>> = [];
    const j = await inChannelWithNative(ircd().port, open, { prefix: 'r', clients: { logs } });
    await j.bridge.send({ ...j.base, kind: 'message', body: 'held', receiptRequested: false, id: `m${j.id}` });
    // The line is on the wire; its reflection waits for the PONG. The store goes away first.
    j.t.store.close();
    await j.native.expect('message', (e) => e.nick === j.nick && e.message === 'held');
    const failed = await waitFor(() => logs.find((l) => l.event === 'reflect_failed'), 'the failed reflection logged');
    expect(failed.user).toBe(j.user);
  });
});
