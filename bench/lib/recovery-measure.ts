/**
 * What the recovery benchmark times: when a server accepts connections again (a 5 ms poller),
 * when the user has every channel of a gateway back (its "Rejoined" self-presences), and the
 * floors — a fresh connection doing the same work from scratch at the same moment: an IRC client
 * registering and joining as many channels, an XEP-0114 component handshake.
 */
import { connect } from 'node:net';
import { pino } from 'pino';
import { ComponentConnection } from '../../src/xmpp/component.js';
import { connectNativeIrc } from '../../test/helpers/irc-native.js';
import { sleep, waitFor } from '../../test/helpers/wait.js';
import { joinIrcChannel } from './irc-clients.js';
import { FLOOR_DOMAIN, SECRET, type BridgedGateway, type RecoveryStack } from './recovery-stack.js';

const MUC_USER = 'http://jabber.org/protocol/muc#user';

/** Polls `port` every 5 ms; `acceptedAt()` is the first accept after a refusal (undefined before). */
export function watchAccepts(port: number): { acceptedAt(): number | undefined; stop(): void } {
  let refusedOnce = false;
  let at: number | undefined;
  let running = true;
  void (async () => {
    while (running && at === undefined) {
      const ok = await new Promise<boolean>((resolve) => {
        const s = connect({ host: '127.0.0.1', port });
        s.once('connect', () => (s.destroy(), resolve(true)));
        s.once('error', () => resolve(false));
      });
      if (!ok) refusedOnce = true;
      else if (refusedOnce) at = Date.now();
      await sleep(5);
    }
  })();
  return {
    acceptedAt: () => at,
    stop: () => void (running = false),
  };
}

function selfPresences(stack: RecoveryStack, g: BridgedGateway, room: string, since: number): Array<{ status: string; at: number; codes: string[] }> {
  const bare = room.toLowerCase();
  return stack.seen
    .filter((s) => s.at >= since && s.el.is('presence') && String(s.el.attrs.from ?? '').toLowerCase() === `${bare}/${g.nick.toLowerCase()}`)
    .map((s) => ({ status: s.el.getChildText('status') ?? '', at: s.at, codes: s.el.getChild('x', MUC_USER)?.getChildren('status').map((c) => String(c.attrs.code)) ?? [] }));
}

/** Every room of `g` told the connection is lost since `since`. */
export function allLost(stack: RecoveryStack, g: BridgedGateway, since: number): boolean {
  return g.rooms.every((room) => selfPresences(stack, g, room, since).some((p) => p.status.includes('reconnecting')));
}

/** When the last room of `g` was rejoined after `since`, once all were. */
export async function allRejoined(stack: RecoveryStack, g: BridgedGateway, since: number, timeoutMs = 60_000): Promise<number> {
  const at = (room: string): number | undefined => selfPresences(stack, g, room, since).find((p) => p.status.startsWith('Rejoined') && p.codes.includes('110'))?.at;
  await waitFor(() => g.rooms.every((room) => at(room) !== undefined), `${g.name}: every channel rejoined`, timeoutMs);
  return Math.max(...g.rooms.map((room) => at(room)!));
}

/** The first component online of `g` logged after `since`. */
export async function onlineAfter(g: BridgedGateway, since: number, timeoutMs = 60_000): Promise<number> {
  return waitFor(() => g.onlineTimes().find((t) => t >= since), `${g.name}: component online`, timeoutMs);
}

let floorRun = 0;

/** A fresh IRC client: connect, register, join `channels` channels; ms taken. */
export async function ircFloor(port: number, channels: number): Promise<number> {
  const started = Date.now();
  const nick = `Floor${++floorRun}`;
  const user = await connectNativeIrc(port, nick);
  for (let i = 0; i < channels; i++) await joinIrcChannel(user, `#floor${floorRun}x${i}`);
  const took = Date.now() - started;
  await user.quit();
  return took;
}

/** A fresh XEP-0114 component: connect and handshake; ms taken. */
export async function xmppFloor(port: number): Promise<number> {
  const conn = new ComponentConnection({
    host: '127.0.0.1',
    port,
    domain: FLOOR_DOMAIN,
    secret: SECRET,
    maxStanzaSize: 262_144,
    maxOutgoingStanzaSize: 262_144,
    reconnect: { initialDelayMs: 1000, maxDelayMs: 60_000 },
    log: pino({ level: 'silent' }),
    traceXml: false,
  });
  const started = Date.now();
  await conn.start();
  const took = Date.now() - started;
  await conn.stop();
  return took;
}
