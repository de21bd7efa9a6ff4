/** Builds the BridgeContext the core gives an adapter (see bridge.ts for each member). */
import type { Logger } from 'pino';
import type { BridgeContext, BridgeHealth, BridgeHttp, BridgeMetrics, Clock, DeliverOptions, DeliverResult, UserQuery, UserQueryAnswer } from './bridge.js';
import type { Inbound } from './model.js';
import type { Direction, Store } from './store.js';

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
}

/** The ordering key of an inbound event: one conversation = one user and one sender. */
export function inboundOrderingKey(event: Inbound): string {
  return `${event.user}|${event.from}`;
}

export function createBridgeContext(deps: ContextDeps): BridgeContext {
  const { id, store, clock } = deps;
  return {
    id,
    domain: deps.domain,
    log: deps.log,
    async deliver(event: Inbound, options: DeliverOptions = {}): Promise<DeliverResult> {
      if (!event.user || !event.user.includes('@') || event.user.includes('/')) {
        throw new Error(`deliver: user must be a bare JID, got ${JSON.stringify(event.user)}`);
      }
      const okey = options.orderingKey ?? inboundOrderingKey(event);
      const { duplicate } = store.outbox.enqueue(
        {
          direction: 'in',
          bridge: id,
          user: event.user,
          okey,
          payload: JSON.stringify(event),
          ...(options.dedupeKey !== undefined ? { dedupe: options.dedupeKey } : {}),
        },
        clock.now(),
      );
      // The lane may send it in this turn already; committed before we return, so the adapter
      // may acknowledge its network after this.
      if (!duplicate) deps.onEnqueued('in', okey);
      if (options.durable !== false) await store.flush();
      return { duplicate };
    },
    async deadLetter(payload: unknown, reason: string, options: { dedupeKey?: string } = {}): Promise<DeliverResult> {
      const { duplicate } = store.outbox.enqueue(
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
      await store.flush();
      if (!duplicate) deps.log.warn({ event: 'dead_letter', reason }, `kept as a dead letter: ${reason}`);
      return { duplicate };
    },
    queryUser: deps.queryUser,
    isAllowed: deps.isAllowed,
    isAdmin: deps.isAdmin,
    setHealth: deps.onHealth,
    kv: store.kv(id),
    messages: store.messages(id),
    http: deps.http,
    metrics: deps.metrics,
    signal: deps.signal,
    clock,
  };
}
