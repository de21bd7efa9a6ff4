import { describe, expect, it } from 'vitest';
import { connectNativeIrc } from '../../../test/helpers/irc-native.js';
import { startNgircd } from '../../../test/helpers/irc-ngircd.js';
import { expectInbound, startBridge, unique } from './helpers.js';

/** The value of one sample in Prometheus text (`name{labels} value`), 0 when absent. */
function sample(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

describe('IRC metrics (ngircd)', () => {
  it('count connections by state, lines in and out, throttle waits and reconnects', async () => {
    const own = await startNgircd();
    const id = unique();
    // Two lines a second after a burst of 2: the groupchat lines wait in the send queue.
    const b = await startBridge(own.port, {}, { throttle: { burst: 2, lines_per_second: 2 } });
    const native = await connectNativeIrc(own.port, `N${id}`);
    try {
      const user = `u${id}@example.org`;
      const before = await b.t.metricsText();
      expect(sample(before, 'switchboard_irc_connections', 'network="test",state="registered"')).toBe(0);
      native.client.join(`#m${id}`);
      await b.bridge.send({ kind: 'join', user, resource: 'r1', to: `#m${id}%test`, nick: `X${id}` });
      await expectInbound(b.t, 'presence', (e) => !!e.muc?.codes.includes(110), 'joined');
      const sent = ['one', 'two', 'three', 'four'].map((body) =>
        b.bridge.send({ kind: 'message', user, resource: 'r1', to: `#m${id}%test`, type: 'groupchat', body, receiptRequested: false }),
      );
      // The deepest queue seen, scraping on every turn of the event loop until all were written.
      let done = false;
      let deepest = 0;
      const all = Promise.all(sent).finally(() => (done = true));
      while (!done) {
        deepest = Math.max(deepest, sample(await b.t.metricsText(), 'switchboard_irc_send_queue_depth', 'network="test"'));
        await new Promise((r) => setImmediate(r));
      }
      await all;
      expect(deepest).toBeGreaterThanOrEqual(2);
      await native.expect('message', (e) => e.message === 'four');
      const up = await b.t.metricsText();
      expect(sample(up, 'switchboard_irc_connections', 'network="test",state="registered"')).toBe(1);
      expect(sample(up, 'switchboard_irc_lines_total', 'network="test",direction="out"')).toBeGreaterThanOrEqual(5);
      expect(sample(up, 'switchboard_irc_lines_total', 'network="test",direction="in"')).toBeGreaterThan(0);
      expect(sample(up, 'switchboard_irc_throttle_wait_seconds_count', 'network="test"')).toBeGreaterThanOrEqual(5);
      // Some lines waited for a token: not all of them are in the lowest bucket.
      const fast = sample(up, 'switchboard_irc_throttle_wait_seconds_bucket', 'le="0.01",network="test"');
      expect(fast).toBeLessThan(sample(up, 'switchboard_irc_throttle_wait_seconds_count', 'network="test"'));
      expect(sample(up, 'switchboard_irc_reconnects_total', 'network="test"')).toBe(0);

      await own.restart(300);
      await expectInbound(b.t, 'presence', (e) => !!e.status?.startsWith('Rejoined'), 'rejoined', 20_000);
      const after = await b.t.metricsText();
      expect(sample(after, 'switchboard_irc_reconnects_total', 'network="test"')).toBeGreaterThanOrEqual(1);
      expect(sample(after, 'switchboard_irc_connections', 'network="test",state="registered"')).toBe(1);
    } finally {
      await native.quit().catch(() => undefined);
      await b.close();
      await own.stop();
    }
  }, 60_000);
});
