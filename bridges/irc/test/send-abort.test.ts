// Issue 10: Bridge.send's abort signal on IRC (ngircd). A long message waits behind flood
// control; the attempt passes its deadline: the lines still queued are not sent, those written
// stay written, and the retry sends the rest — every line reaches the channel exactly once.
import { describe, expect, it } from 'vitest';
import { RetryableError } from '../../../src/core/errors.js';
import { connectNativeIrc } from '../../../test/helpers/irc-native.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { expectInbound, startBridge, unique, useNgircd } from './helpers.js';

const ircd = useNgircd();

describe('IRC send with an abort signal (ngircd)', () => {
  it('lines still behind flood control at the abort are not sent; the retry sends the rest once, in order', async () => {
    const id = unique();
    // 4 lines/s after a burst of 1: a five-line message takes ~1 s to leave.
    const b = await startBridge(ircd().port, {}, { throttle: { burst: 1, lines_per_second: 4 } });
    const user = `u${id}@example.org`;
    const chan = `#a${id}`;
    const room = `${chan}%test`;
    const nick = `X${id}`;
    const native = await connectNativeIrc(ircd().port, `N${id}`);
    try {
      native.client.join(chan);
      await native.expect('join');
      await b.bridge.send({ kind: 'join', user, resource: 'r1', to: room, nick, id: 'j1' });
      await expectInbound(b.t, 'presence', (e) => e.fromResource === nick && e.toResource === 'r1', 'self-presence');
      await native.expect('join', (e) => e.nick === nick);
      const lines = ['one', 'two', 'three', 'four', 'five'];
      const event = { kind: 'message' as const, type: 'groupchat' as const, user, resource: 'r1', to: room, body: lines.join('\n'), receiptRequested: false, id: `m${id}` };
      const abort = new AbortController();
      const sending = b.bridge.send(event, { signal: abort.signal });
      const seen = () => native.events.filter((e) => e.event === 'message' && e.nick === nick).map((e) => e.message);
      await waitFor(() => seen().length >= 1 || undefined, 'the first line on IRC');
      abort.abort(new Error('deadline'));
      await expect(sending).rejects.toBeInstanceOf(RetryableError);
      const before = seen().length;
      expect(before).toBeLessThan(lines.length);
      await b.bridge.send(event);
      await waitFor(() => seen().length >= lines.length || undefined, 'every line on IRC');
      // One more line after: anything of the aborted attempt still queued would come before it.
      await b.bridge.send({ ...event, body: 'after', id: `n${id}` });
      await waitFor(() => seen().includes('after') || undefined, 'the line after');
      expect(seen()).toEqual([...lines, 'after']);
    } finally {
      await native.quit();
      await b.close();
    }
  });
});
