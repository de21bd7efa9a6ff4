/** Builds the BridgeContext the core gives an adapter (see bridge.ts for each member). */
import { createHash, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { withStanzaIds } from '../xmpp/stanza.js';
import type { BridgeContext, BridgeHealth, BridgeHttp, BridgeMetrics, Clock, DeliverOptions, DeliverResult, UserQuery, UserQueryAnswer } from './bridge.js';
import type { Inbound } from './model.js';
import type { Direction, Store } from './store.js';
import { CoreRooms } from './rooms.js';
import { CoreArchive } from './archive.js';
import { createBridgeSecrets } from './bridge-secrets.js';

export interface ContextDeps {
  id: string;
  domain: string;
  store: Store;
  log: Logger;
  http: BridgeHttp;
  metrics: BridgeMetrics;
  signal: AbortSignal;
  clock: Clock;
  isAllowed(user: string): boolean;
  isAdmin(user: string): boolean;
  /** Called after each enqueue (before its commit) so the outbox lane looks at the new item at once. */
  onEnqueued(direction: Direction, okey: string): void;
  onHealth(health: BridgeHealth): void;
  /** Sends the iq and waits for the client's answer (src/xmpp/iq-client.ts). */
  queryUser(query: UserQuery): Promise<UserQueryAnswer>;
  /** The key per-user secrets are sealed with (config `secrets`); absent: the bridge may not store any. */
  secretKey?: Buffer | undefined;
}

/** The context, with the core's side of its rooms (the pipeline's leave handling, self-ping, restore). */
export type CoreBridgeContext = BridgeContext & { rooms: CoreRooms; archive: CoreArchive };

/** The ordering key of an inbound event: one conversation = one user and one sender. */
export function inboundOrderingKey(event: Inbound): string {
  return `${event.user}|${event.from}`;
}

/**
 * The stanza id of an inbound item: derived from its dedupe key (the network's own id: an email
 * Message-ID, a Twilio MessageSid, an IRC msgid) when it has one, so that the network resending
 * the message after a crash that came before the commit of its enqueue (an SMTP client that got
 * no 250, Twilio that got no 200) yields the same stanza id; random otherwise.
 */
export function inboundStanzaId(bridge: string, user: string, dedupeKey: string | undefined): () => string {
  if (dedupeKey === undefined) return randomUUID;
  return () => `sb-${createHash('sha256').update(`${bridge}\n${user}\n${dedupeKey}`).digest('base64url').slice(0, 24)}`;
}

export function createBridgeContext(deps: ContextDeps): CoreBridgeContext {
  const { id, store, clock } = deps;
  // Room events have nothing to acknowledge: stored in call order without waiting for the commit.
  const rooms = new CoreRooms({
    kv: store.kv(`core:rooms:${id}`),
    deliver: (event, dedupeKey) => {
      ctx
        .deliver(event, { durable: false, ...(dedupeKey !== undefined ? { dedupeKey } : {}) })
        .catch((err: unknown) => deps.log.error({ err, event: 'store_failed', user: event.user }, 'could not store a room event'));
    },
  });
  const ctx: CoreBridgeContext = {
    id,
    domain: deps.domain,
    log: deps.log,
    async deliver(event: Inbound, options: DeliverOptions = {}): Promise<DeliverResult> {
      if (!event.user || !event.user.includes('@') || event.user.includes('/')) {
        throw new Error(`deliver: user must be a bare JID, got ${JSON.stringify(event.user)}`);
      }
      const okey = options.orderingKey ?? inboundOrderingKey(event);
      const { id: row, duplicate } = store.outbox.enqueue(
        {
          direction: 'in',
          bridge: id,
          user: event.user,
          okey,
          // The stanza's ids are fixed here, before the commit: every attempt sends the same.
          payload: JSON.stringify(withStanzaIds(event, inboundStanzaId(id, event.user, options.dedupeKey))),
          ...(options.dedupeKey !== undefined ? { dedupe: options.dedupeKey } : {}),
        },
        clock.now(),
      );
      // Sharded mode: held until its commit has claimed the key for every slot (design.md §5a),
      // so a retry that landed on another instance is a duplicate here, and the lane waits for it.
      // A room event (durable: false) is not acknowledged to anyone: a failed commit keeps it held
      // and it goes with the next one (the lane's sweep sends it), as an unflushed write would.
      const claim = store.claimed?.(row).catch((err: unknown) => {
        if (options.durable === false) return false;
        throw err;
      });
      const shared = claim ? await claim : undefined;
      if (shared !== undefined) {
        if (!duplicate && !shared) deps.onEnqueued('in', okey);
        return { duplicate: duplicate || shared };
      }
      // The lane may send it in this turn already; committed before we return, so the adapter
      // may acknowledge its network after this.
      if (!duplicate) deps.onEnqueued('in', okey);
      if (options.durable !== false) await store.flush();
      return { duplicate };
    },
    async deadLetter(payload: unknown, reason: string, options: { dedupeKey?: string } = {}): Promise<DeliverResult> {
      const { id: row, duplicate: local } = store.outbox.enqueue(
        {
          direction: 'in',
          bridge: id,
          user: '',
          okey: 'dead-letter',
          payload: JSON.stringify({ undeliverable: payload }),
          dead: reason,
          ...(options.dedupeKey !== undefined ? { dedupe: options.dedupeKey } : {}),
        },
        clock.now(),
      );
      const duplicate = (store.claimed ? await store.claimed(row) : undefined) || local;
      await store.flush();
      if (!duplicate) deps.log.warn({ event: 'dead_letter', reason }, `kept as a dead letter: ${reason}`);
      return { duplicate };
    },
    ...(store.handoff
      ? {
          handOff: (kind: string, payload: Record<string, string>, o: { ifKnown?: readonly string[] } = {}) =>
            store.handoff!.post(id, kind, payload, clock.now(), o.ifKnown),
        }
      : {}),
    queryUser: deps.queryUser,
    isAllowed: deps.isAllowed,
    isAdmin: deps.isAdmin,
    setHealth: deps.onHealth,
    kv: store.kv(id),
    secrets: createBridgeSecrets(id, deps.secretKey),
    rooms,
    archive: new CoreArchive(store.kv(`core:archive:${id}`), clock, store.kv(`core:room-settings:${id}`)),
    messages: store.messages(id),
    http: deps.http,
    metrics: deps.metrics,
    signal: deps.signal,
    clock,
  };
  return ctx;
}
