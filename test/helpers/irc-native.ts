/**
 * A native IRC user driven by irc-framework, for the IRC side of bridge tests: it records every
 * event so tests can `waitFor` one.
 */
import { Client, type IrcEvent } from 'irc-framework';
import { afterThisTest } from './cleanup.js';
import { waitFor } from './wait.js';

export interface RecordedEvent extends IrcEvent {
  event: string;
}

export interface NativeIrcUser {
  client: Client;
  nick: string;
  events: RecordedEvent[];
  /** Wait for an event of this name matching `pred`; returns it. */
  expect(event: string, pred?: (e: RecordedEvent) => boolean, timeoutMs?: number): Promise<RecordedEvent>;
  /**
   * A round trip to the server: resolves on the PONG to a PING sent now. A server handles one
   * client's lines in order (RFC 2812 §3.7.2 answers PING last), so everything this user sent
   * before (AWAY, OPER, …) has been processed when it resolves.
   */
  sync(timeoutMs?: number): Promise<void>;
  quit(): Promise<void>;
}

let syncs = 0;
const RECORDED = ['message', 'tagmsg', 'join', 'part', 'quit', 'kick', 'nick', 'topic', 'mode', 'invite', 'close', 'irc error', 'userlist'];

export async function connectNativeIrc(port: number, nick: string): Promise<NativeIrcUser> {
  const client = new Client();
  const events: RecordedEvent[] = [];
  for (const name of RECORDED) client.on(name, (e) => events.push({ ...e, event: name }));
  const registered = new Promise<void>((resolve, reject) => {
    client.once('registered', () => resolve());
    client.once('close', () => reject(new Error(`native IRC user ${nick} could not register`)));
  });
  client.connect({ host: '127.0.0.1', port, nick, username: nick.slice(0, 9), gecos: 'native test user', auto_reconnect: false });
  await registered;
  const user: NativeIrcUser = {
    client,
    nick,
    events,
    expect: (event, pred = () => true, timeoutMs = 10_000) =>
      waitFor(() => events.find((e) => e.event === event && pred(e)), `IRC user ${nick} to see ${event}`, timeoutMs),
    async sync(timeoutMs = 10_000) {
      const token = `sync-${++syncs}`;
      const ponged = new Promise<void>((resolve) => {
        const onPong = (e: IrcEvent) => {
          if (e.message !== token) return;
          client.removeListener('pong', onPong);
          resolve();
        };
        client.on('pong', onPong);
      });
      client.raw('PING', token);
      await Promise.race([ponged, new Promise((_, reject) => setTimeout(() => reject(new Error(`IRC user ${nick}: no PONG ${token}`)), timeoutMs))]);
    },
    async quit() {
      if (!client.connected) return;
      const closed = new Promise<void>((r) => client.once('close', () => r()));
      client.quit('bye');
      await Promise.race([closed, new Promise((r) => setTimeout(r, 2000))]);
    },
  };
  afterThisTest(() => user.quit());
  return user;
}
