/** Shared set-up of the adapter-level IRC tests: a bridge on a real ngircd, and Inbound queries. */
import { afterAll, beforeAll } from 'vitest';
import { createTestContext, type TestBridgeContext } from '../../../test/helpers/bridge-context.js';
import { startNgircd, type Ngircd } from '../../../test/helpers/irc-ngircd.js';
import { waitFor } from '../../../test/helpers/wait.js';
import type { ArchivePage, ArchiveQuery, UserQuery, UserQueryAnswer } from '../../../src/core/bridge.js';
import type { Inbound } from '../../../src/core/model.js';
import { IrcBridge } from '../adapter.js';
import { StanzaError } from '../../../src/core/errors.js';
import { errorReport, sendThroughRooms } from '../../../src/core/room-send.js';
import { ircConfigSchema } from '../config.js';
import type { Form } from '../../../src/core/adhoc-model.js';
import { roomConfigForm, submitRoomConfig } from '../../../src/core/room-config.js';
import { afterThisTest, once } from '../../../test/helpers/cleanup.js';

export const DOMAIN = 'irc.localhost';

/** XEP-0045 §10.2 as the core answers muc#owner (src/xmpp/muc-owner.ts), without the XML. */
export interface RoomOwner {
  form(user: string, room: string): Promise<Form>;
  submit(user: string, room: string, values: Record<string, string[]>): Promise<void>;
}

/** The core's muc#owner form of `bridge`'s rooms, with the settings of `t`'s archive. */
export function ownerOf(bridge: IrcBridge, t: TestBridgeContext): RoomOwner {
  return {
    form: (user, room) => roomConfigForm(bridge, t.archive.settings, user, room),
    submit: (user, room, values) => submitRoomConfig(bridge, t.archive.settings, user, room, values),
  };
}

export interface BridgeUnderTest {
  t: TestBridgeContext;
  bridge: IrcBridge;
  /** The room's muc#owner form as the core renders and applies it (src/core/room-config.ts). */
  owner: RoomOwner;
  /** A XEP-0313 query as the core answers it (src/xmpp/mam.ts): the core's archive of the address's conversation. */
  mam(user: string, localpart: string, query: ArchiveQuery): ArchivePage;
  close(): Promise<void>;
}

/**
 * One ngircd for the enclosing file or describe block: started before its tests, stopped after.
 * Returns a getter, since the server exists only once the hooks ran.
 */
export function useNgircd(): () => Ngircd {
  let server: Ngircd | undefined;
  beforeAll(async () => {
    server = await startNgircd();
  });
  afterAll(async () => {
    await server?.stop();
  });
  return () => {
    if (!server) throw new Error('ngircd is not started: use it inside a test, not while collecting');
    return server;
  };
}

let counter = 0;
/** A unique suffix for nicks, channels and users of one test. */
export function unique(): string {
  counter++;
  return `${process.pid % 1000}${counter}${Math.floor(Math.random() * 100)}`;
}

export async function startBridge(
  port: number,
  options: Record<string, unknown> = {},
  network: Record<string, unknown> = {},
  clients: {
    queryUser?: (q: UserQuery) => Promise<UserQueryAnswer>;
    logs?: Array<Record<string, unknown>>;
    secretKey?: Buffer;
    /** Runs on the fresh context before the bridge starts (rows stored by an earlier version). */
    prepare?: (t: TestBridgeContext) => void;
  } = {},
): Promise<BridgeUnderTest> {
  const { prepare, ...opts } = clients;
  const t = await createTestContext({ id: 'irc', domain: DOMAIN, domains: ['example.org'], ...opts });
  prepare?.(t);
  const config = ircConfigSchema.parse({
    networks: {
      test: {
        servers: [{ host: '127.0.0.1', port, tls: false }],
        throttle: { burst: 50, lines_per_second: 50 },
        reconnect: { initial_delay_ms: 200, max_delay_ms: 1000 },
        ...network,
      },
    },
    join_timeout_ms: 10_000,
    ...options,
  });
  const bridge = new IrcBridge(t.ctx, config);
  sendLikeTheOutbox(bridge, t);
  await bridge.start();
  const close = once(async () => {
    await bridge.stop();
    await new Promise((r) => setTimeout(r, 100));
    await t.close();
  });
  afterThisTest(close);
  return {
    t,
    bridge,
    owner: ownerOf(bridge, t),
    mam(user, localpart, query) {
      const address = bridge.resolve(localpart);
      if (address.archive === undefined) throw new StanzaError('service-unavailable', 'There is no archive here.');
      return t.archive.query(user, address.archive, query, address.kind === 'room' ? 'groupchat' : 'chat');
    },
    close,
  };
}

/**
 * The tests call `bridge.send` as the outbox worker would (src/core/delivery.ts): through the core's
 * rooms (a leave of one of several resources ends there), and a refused join or nick change is
 * answered with the error stanza the core sends (the event's id, from room/nick), not thrown.
 */
function sendLikeTheOutbox(bridge: IrcBridge, t: TestBridgeContext): void {
  const send = bridge.send.bind(bridge);
  bridge.send = async (event, options) => {
    try {
      return await sendThroughRooms({ send }, t.rooms, event, options ?? {});
    } catch (err) {
      if (!(err instanceof StanzaError) || (event.kind !== 'join' && event.kind !== 'nick')) throw err;
      await t.ctx.deliver(errorReport(event, err));
      return {};
    }
  };
}

type Pred<K extends Inbound['kind']> = (e: Extract<Inbound, { kind: K }>) => boolean;

/** Inbound events of a kind matching `pred`, in commit order. */
export function find<K extends Inbound['kind']>(t: TestBridgeContext, kind: K, pred: Pred<K> = () => true): Array<Extract<Inbound, { kind: K }>> {
  return t.inbound().filter((e): e is Extract<Inbound, { kind: K }> => e.kind === kind && pred(e as Extract<Inbound, { kind: K }>));
}

export function expectInbound<K extends Inbound['kind']>(t: TestBridgeContext, kind: K, pred: Pred<K>, what: string, timeoutMs = 10_000): Promise<Extract<Inbound, { kind: K }>> {
  return waitFor(() => find(t, kind, pred)[0], what, timeoutMs);
}

/** Index of the first inbound event matching, for order assertions. */
export function indexOf(t: TestBridgeContext, pred: (e: Inbound) => boolean): number {
  return t.inbound().findIndex(pred);
}
