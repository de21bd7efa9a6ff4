// A restart is invisible to users still joined (issue 11, design.md §4a), end to end through a
// real XMPP server, ngircd and the built gateway: after a kill -9 the new process rejoins the
// user's channel by itself (the IRC side sees the nick back) and the user's next groupchat reaches
// IRC without the client rejoining; after `switchboard stop --final` every joined resource gets
// 110 + 332 and the next start rejoins nothing.
import { xml } from '@xmpp/client';
import type { Element } from 'ltx';
import { spawn } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEjabberd } from '../../../test/helpers/ejabberd.js';
import { startGateway, type RunningGateway } from '../../../test/helpers/gateway.js';
import { connectNativeIrc, type NativeIrcUser, type RecordedEvent } from '../../../test/helpers/irc-native.js';
import { startNgircd, type Ngircd } from '../../../test/helpers/irc-ngircd.js';
import { startProsody } from '../../../test/helpers/prosody.js';
import { builtCli } from '../../../test/helpers/repo.js';
import type { XmppServer, XmppServerOptions } from '../../../test/helpers/server-process.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { connectClient, type TestClient } from '../../../test/helpers/xmpp-client.js';

const DOMAIN = 'irc.localhost';
const SECRET = 'irc-restart-secret';
const MUC = 'http://jabber.org/protocol/muc';
const MUC_USER = 'http://jabber.org/protocol/muc#user';

const servers: Array<[string, (opts: XmppServerOptions) => Promise<XmppServer>]> = [
  ['prosody', startProsody],
  ['ejabberd', startEjabberd],
];

const codes = (el: Element): number[] => el.getChild('x', MUC_USER)?.getChildren('status').map((s) => Number(s.attrs.code)) ?? [];

describe.each(servers)('a gateway restart, with %s and ngircd', (_name, start) => {
  let ircd: Ngircd;
  let server: XmppServer;
  let alice: TestClient;
  let native: NativeIrcUser;
  const gateways: RunningGateway[] = [];

  const gateway = async (dir?: string): Promise<RunningGateway> => {
    const gw = await startGateway({
      xmppPort: server.componentPort,
      ...(dir ? { dir } : {}),
      bridges: {
        irc: {
          domain: DOMAIN,
          component_secret: SECRET,
          access: { users: [`alice@${server.domain}`] },
          options: { networks: { test: { servers: [{ host: '127.0.0.1', port: ircd.port, tls: false }] } } },
        },
      },
    });
    gateways.push(gw);
    return gw;
  };

  /** Join `channel` as `nick` from alice's resource; resolves with the room JID once the self-presence came. */
  async function join(channel: string, nick: string): Promise<string> {
    const room = `${channel}%test@${DOMAIN}`;
    const from = native.events.length;
    await alice.send(xml('presence', { to: `${room}/${nick}` }, xml('x', { xmlns: MUC }, xml('history', { maxstanzas: '0' }))));
    await alice.waitForStanza((s) => s.is('presence') && s.attrs.from === `${room}/${nick}` && codes(s).includes(110), `${nick} in ${room}`, 20_000);
    await ircSaw(from, 'join', (e) => e.nick === nick && e.channel === channel);
    return room;
  }

  /** An IRC event the native user saw after its `from`-th event. */
  const ircSaw = (from: number, event: string, pred: (e: RecordedEvent) => boolean, timeoutMs = 20_000) =>
    waitFor(() => native.events.slice(from).find((e) => e.event === event && pred(e)), `IRC user to see ${event}`, timeoutMs);

  const groupchat = (room: string, body: string, id: string) => alice.send(xml('message', { to: room, type: 'groupchat', id }, xml('body', {}, body)));

  beforeAll(async () => {
    ircd = await startNgircd();
    server = await start({ components: [{ domain: DOMAIN, secret: SECRET }], users: [{ username: 'alice', password: 'pw-alice' }] });
    alice = await connectClient(server, 'alice', 'pw-alice', 'resource1');
    native = await connectNativeIrc(ircd.port, 'Watcher');
  });

  // A gateway left running would share the component domain with the next test's.
  afterEach(async () => {
    await Promise.all(gateways.splice(0).map((gw) => gw.kill()));
  });

  afterAll(async () => {
    await native?.quit();
    await alice?.stop();
    await server?.stop();
    await ircd?.stop();
  });

  it('after a kill -9 the user is back in the channel by itself and the next groupchat reaches IRC', { timeout: 90_000 }, async () => {
    const channel = '#restart';
    native.client.join(channel);
    await ircSaw(0, 'join', (e) => e.nick === 'Watcher' && e.channel === channel);
    const first = await gateway();
    const room = await join(channel, 'alice');
    await groupchat(room, 'before the crash', 'g1');
    await ircSaw(0, 'message', (e) => e.message === 'before the crash');

    const killedAt = native.events.length;
    await first.kill();
    expect(first.process.signalCode).toBe('SIGKILL');
    await ircSaw(killedAt, 'quit', (e) => e.nick === 'alice');
    const since = alice.received.length;

    const restartedAt = native.events.length;
    await gateway(first.dir);
    // The IRC side sees the nick back without anything from the client.
    await ircSaw(restartedAt, 'join', (e) => e.nick === 'alice' && e.channel === channel);
    const back = await alice.waitForStanza((s) => s.is('presence') && s.attrs.from === `${room}/alice` && /^Rejoined/.test(s.getChildText('status') ?? ''), 'the rejoin told to the resource', 20_000);
    expect(codes(back)).toEqual([110, 100]);
    expect(alice.received.slice(since).filter((s) => s.is('presence') && s.attrs.from === `${room}/Watcher` && s.attrs.type === undefined)).toHaveLength(1);

    await groupchat(room, 'after the crash', 'g2');
    await ircSaw(restartedAt, 'message', (e) => e.message === 'after the crash');
    const reflected = await alice.waitForStanza((s) => s.is('message') && s.attrs.type === 'groupchat' && s.getChildText('body') === 'after the crash', 'the reflection');
    expect(reflected.attrs.id).toBe('g2');
    expect(alice.received.slice(since).filter((s) => s.attrs.type === 'error')).toEqual([]);
  });

  it('switchboard stop --final ends the rooms with 110 and 332, and the next start does not rejoin them', { timeout: 90_000 }, async () => {
    const channel = '#final';
    native.client.join(channel);
    await ircSaw(0, 'join', (e) => e.nick === 'Watcher' && e.channel === channel);
    const first = await gateway();
    const room = await join(channel, 'alice');
    const stoppedAt = native.events.length;

    const stopped = spawn(process.execPath, [builtCli(), 'stop', '--final', '--pid', String(first.process.pid)], { stdio: 'inherit' });
    const exit = await new Promise<number | null>((resolve) => stopped.on('exit', resolve));
    expect(exit).toBe(0);
    expect(await first.exited).toBe(0);
    const ended = await alice.waitForStanza((s) => s.is('presence') && s.attrs.from === `${room}/alice` && s.attrs.type === 'unavailable', 'the room ended');
    expect(codes(ended)).toEqual([110, 332]);
    await ircSaw(stoppedAt, 'quit', (e) => e.nick === 'alice');

    await gateway(first.dir);
    // Not a participant any more: the room answers the groupchat with an error, and IRC saw no JOIN.
    await groupchat(room, 'after the final stop', 'g3');
    const refused = await alice.waitForStanza((s) => s.is('message') && s.attrs.type === 'error' && s.attrs.id === 'g3', 'the groupchat refused');
    expect(refused.getChild('error')?.getChild('not-acceptable')).toBeDefined();
    expect(native.events.slice(stoppedAt).filter((e) => e.event === 'join' && e.nick === 'alice')).toEqual([]);
  });
});
