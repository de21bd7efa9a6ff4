/**
 * The client side of the IRC bridge benchmark: joining a MUC room (waiting for the self-presence)
 * or an IRC channel, sending groupchat lines, and hooks that hand every message body an XMPP
 * client or a native IRC client receives to whichever load (bench/lib/oneway.ts) is running.
 */
import { xml } from '@xmpp/client';
import type { Element } from 'ltx';
import type { NativeIrcUser } from '../../test/helpers/irc-native.js';
import type { TestClient } from '../../test/helpers/xmpp-client.js';

const MUC = 'http://jabber.org/protocol/muc';
const MUC_USER = 'http://jabber.org/protocol/muc#user';

/** Calls `onBody` for every body received until the returned function is called. */
export type BodyHook = (onBody: (body: string) => void) => () => void;

/** A native IRC user's bodies in one channel: at most one hook at a time per user. */
export type IrcSink = (channel: string) => BodyHook;

/** Join a MUC room and wait for the self-presence (status 110); a presence error rejects. */
export function joinRoom(client: TestClient, room: string, nick: string, timeoutMs = 120_000): Promise<void> {
  const bare = room.toLowerCase();
  return new Promise((resolve, reject) => {
    const onStanza = (el: Element): void => {
      if (!el.is('presence')) return;
      const from = String(el.attrs['from'] ?? '');
      if (from.split('/')[0]!.toLowerCase() !== bare) return;
      if (el.attrs['type'] === 'error') return done(new Error(`join ${room}/${nick}: ${el.toString()}`));
      const codes = el.getChild('x', MUC_USER)?.getChildren('status').map((s: Element) => String(s.attrs['code'])) ?? [];
      if (codes.includes('110') && el.attrs['type'] !== 'unavailable') done();
    };
    const timer = setTimeout(() => done(new Error(`join ${room}/${nick}: no self-presence in ${timeoutMs} ms`)), timeoutMs);
    function done(err?: Error): void {
      clearTimeout(timer);
      client.xmpp.removeListener('stanza', onStanza);
      if (err) reject(err);
      else resolve();
    }
    client.xmpp.on('stanza', onStanza);
    client
      .send(xml('presence', { to: `${room}/${nick}` }, xml('x', { xmlns: MUC }, xml('history', { maxstanzas: '0' }))))
      .catch((err: unknown) => done(err instanceof Error ? err : new Error(String(err))));
  });
}

/** A native IRC user joins `channel` (lower case) and sees its own join. */
export async function joinIrcChannel(user: NativeIrcUser, channel: string): Promise<void> {
  user.client.join(channel);
  await user.expect('join', (e) => e.nick === user.nick && String(e.channel).toLowerCase() === channel);
}

/** Bodies of groupchat/chat messages `client` receives, to a hook. */
export function xmppBodies(client: TestClient, type: 'groupchat' | 'chat'): BodyHook {
  return (onBody) => {
    const onStanza = (el: Element): void => {
      if (!el.is('message') || el.attrs['type'] !== type) return;
      const body = el.getChildText('body');
      if (body !== null) onBody(body);
    };
    client.xmpp.on('stanza', onStanza);
    return () => void client.xmpp.removeListener('stanza', onStanza);
  };
}

/** irc-framework's emitter is untyped here; one permanent listener per client dispatches to a sink. */
export function ircSink(user: NativeIrcUser): IrcSink {
  let sink: { channel: string; onBody: (body: string) => void } | undefined;
  user.client.on('message', (e) => {
    if (sink && String(e.target).toLowerCase() === sink.channel && typeof e.message === 'string') sink.onBody(e.message);
  });
  // connectNativeIrc records every event for tests; a benchmark's messages would only grow that
  // array. Drop them in place (`expect` still needs the other events, such as joins).
  setInterval(() => {
    let kept = 0;
    for (const e of user.events) if (e.event !== 'message') user.events[kept++] = e;
    user.events.length = kept;
  }, 1000).unref();
  return (channel) => (onBody) => {
    sink = { channel: channel.toLowerCase(), onBody };
    return () => (sink = undefined);
  };
}

/** Send a body as a message of `type` to `to`, with the body as its id; a failed send is ignored. */
export function sendMessage(client: TestClient, to: string, type: 'groupchat' | 'chat'): (body: string) => void {
  return (body) => void client.xmpp.send(xml('message', { to, type, id: body }, xml('body', {}, body))).catch(() => undefined);
}
