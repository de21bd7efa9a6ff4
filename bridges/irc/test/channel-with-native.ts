/**
 * Test set-up shared by the IRC tests that need "the XMPP user in a channel with a native IRC
 * user": a bridge on `port`, a native IRC client in a fresh channel, the user's join through the
 * bridge (self-presence 110) seen by the native client. Whatever it opens is pushed to `open`, for
 * the test file's afterEach to close.
 */
import { connectNativeIrc, type NativeIrcUser } from '../../../test/helpers/irc-native.js';
import { expectInbound, startBridge, unique, type BridgeUnderTest } from './helpers.js';

export async function inChannelWithNative(
  port: number,
  open: Array<BridgeUnderTest | NativeIrcUser>,
  opts: { prefix: string; options?: Record<string, unknown>; clients?: Parameters<typeof startBridge>[3] },
) {
  const id = unique();
  const b = await startBridge(port, opts.options ?? {}, {}, opts.clients ?? {});
  open.push(b);
  const user = `${opts.prefix}${id}@example.org`;
  const chan = `#${opts.prefix}${id}`;
  const room = `${chan}%test`;
  const nick = `X${id}`;
  const native = await connectNativeIrc(port, `N${id}`);
  open.push(native);
  native.client.join(chan);
  await native.expect('join', (e) => e.nick === native.nick);
  await b.bridge.send({ kind: 'join', user, resource: 'r1', to: room, nick, id: 'join1' });
  await expectInbound(b.t, 'presence', (e) => !!e.muc?.codes.includes(110), 'joined');
  await native.expect('join', (e) => e.nick === nick);
  const base = { user, resource: 'r1', to: room, type: 'groupchat' as const };
  return { ...b, id, user, chan, room, nick, native, base };
}
