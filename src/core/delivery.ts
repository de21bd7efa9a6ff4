/**
 * What the outbox lanes do with an item: out = hand the Outbound event to the adapter,
 * in = send the Inbound event as a stanza. Failures become error stanzas for the user, carrying
 * the original stanza id (design.md §1.3: nothing is dropped silently).
 */
import { randomUUID } from 'node:crypto';
import { Element } from 'ltx';
import type { Logger } from 'pino';
import { encodeInbound, type InboundItem } from '../xmpp/stanza.js';
import { errorElement } from '../xmpp/errors.js';
import type { Bridge, BridgeContext } from './bridge.js';
import { crashAfter, crashPointReached } from './crash-point.js';
import { StanzaError, toStanzaError } from './errors.js';
import type { Outbound } from './model.js';
import type { BounceTracker } from './bounces.js';
import { backoffDelay } from './backoff.js';
import type { LaneHooks, RetryPolicy } from './outbox.js';
import type { OutboxRow, Store } from './store.js';
import type { CoreRooms } from './rooms.js';
import { errorReport, sendThroughRooms } from './room-send.js';
import { isEphemeralKind, isStale } from './ephemeral.js';

/** What an 'out' row holds: the event, and the iq to answer when it came from one (muc#admin). */
export interface OutPayload {
  event: Outbound;
  iq?: { id: string; from: string; to: string };
  /** Fixed at enqueue, handed to every attempt as `SendOptions.itemId`. */
  item?: string;
}

export interface DeliveryDeps {
  bridgeId: string;
  domain: string;
  bridge: Bridge;
  ctx: BridgeContext;
  store: Store;
  log: Logger;
  send(el: Element): Promise<void>;
  now(): number;
  /** The core's rooms: a leave of one of several resources ends here; the last one goes to the bridge. */
  rooms?: CoreRooms;
  /** Inbound messages stay correlated with their stanza id until the server could have bounced them. */
  bounces?: { tracker: BounceTracker; retry: RetryPolicy };
  /** An inbound row is dead (in the same turn as its state): queue the bridge's report (core/inbound-dead.ts). */
  inboundDead?(row: OutboxRow, reason: string): void;
}

/** Outbound kinds deduplicated by the client's stanza id (+ origin-id): a resent stanza acts once. */
const DEDUPED = new Set<Outbound['kind']>(['message', 'correction', 'retraction', 'reaction']);

/** What became of a bounced inbound item. */
export type BounceOutcome = 'retry' | 'dead';


export class Delivery {
  constructor(private readonly deps: DeliveryDeps) {}

  /**
   * Store an outbound event durably; the outbox worker hands it to the bridge. Dedupe on the
   * client's origin-id or stanza id, so a resent stanza is sent once.
   */
  enqueueOut(event: Outbound, iq?: OutPayload['iq']): { duplicate: boolean; okey: string } {
    const stableId = event.originId ?? event.id;
    const dedupe = stableId && DEDUPED.has(event.kind) ? `${event.user}|${event.kind}|${stableId}` : undefined;
    const payload: OutPayload = { event, ...(iq ? { iq } : {}), item: randomUUID() };
    // A user's presences go to the domain and to each contact they let see it: one key, one order.
    const okey = event.kind === 'presence' ? `${event.user}|presence` : `${event.user}|${event.to}`;
    const res = this.deps.store.outbox.enqueue(
      {
        direction: 'out',
        bridge: this.deps.bridgeId,
        user: event.user,
        okey,
        payload: JSON.stringify(payload),
        ...(dedupe ? { dedupe } : {}),
      },
      this.deps.now(),
    );
    return { duplicate: res.duplicate, okey };
  }

  outHooks(): LaneHooks {
    return {
      handle: async (row, attempt) => {
        const { event, iq, item } = JSON.parse(row.payload) as OutPayload;
        if (isEphemeralKind(event.kind) && isStale(row, this.deps.now())) return;
        // Rows stored before `item` existed: the row's id and creation time are as stable.
        const itemId = item ?? `${row.bridge}-${row.id}-${row.createdAt}`;
        // The signal is made only if the bridge reads it (attempt-deadline.ts).
        const options = {
          itemId,
          get signal() {
            return attempt.signal;
          },
          get expired() {
            return attempt.expired;
          },
        };
        const result = await sendThroughRooms(this.deps.bridge, this.deps.rooms, event, options);
        if (result.networkId && event.id) {
          this.deps.ctx.messages.put({
            user: event.user,
            xmppId: event.id,
            networkId: result.networkId,
            peer: event.to,
            ...(event.resource ? { resource: event.resource } : {}),
          });
        }
        if (iq) await this.deps.send(new Element('iq', { type: 'result', id: iq.id, from: iq.to, to: iq.from })).catch(() => undefined);
      },
      // Report rows on this lane (inbound-dead.ts) are answered by its wrap; a throw here would leave
      // the failed attempt unsettled, the row stranded, so a payload without `event` is simply not ephemeral.
      ephemeral: (row) => isEphemeralKind((JSON.parse(row.payload) as Partial<OutPayload>).event?.kind ?? ''),
      onFailed: (row, error) => this.reportOut(row, toStanzaError(error)),
      onDead: (row, error) =>
        this.reportOut(
          row,
          new StanzaError('remote-server-timeout', `Not delivered after ${row.attempts + 1} attempts: ${error.message}`, { type: 'wait' }),
        ),
    };
  }

  inHooks(): LaneHooks {
    return {
      handle: async (row) => {
        // The ids were fixed at enqueue (context.ts): a retry or a redelivery sends the same.
        const event = JSON.parse(row.payload) as InboundItem;
        // XEP-0184 has no "sent" state: only delivered and failed reach the user.
        if (event.kind === 'receipt' && event.state === 'sent') return;
        if (isEphemeralKind(event.kind) && isStale(row, this.deps.now())) return;
        const el = encodeInbound(event, this.deps.domain);
        await this.deps.send(el);
        if (crashPointReached('inbound-sent')) await crashAfter(() => this.deps.store.flush());
        // Groupchat to an occupant's resource: a bounce of it is handled as XEP-0045 §9.3 instead.
        if (event.kind === 'message' && event.type !== 'groupchat' && el.attrs.id) {
          this.deps.bounces?.tracker.track(event.user, el.attrs.id as string, row.id, event.toResource);
        }
      },
      ephemeral: (row) => isEphemeralKind((JSON.parse(row.payload) as { kind?: string }).kind ?? ''),
      onFailed: (row, error) => this.deps.log.error({ event: 'in_failed', id: row.id, user: row.user, err: error }, 'an inbound item could not be encoded'),
      onDead: (row, error) => {
        this.deps.log.error({ event: 'in_dead', id: row.id, user: row.user, err: error.message }, 'an inbound item ran out of attempts');
        this.tellBridge(row, error.message);
      },
    };
  }

  /**
   * The XMPP server answered stanza `id` sent to `user` with an error (RFC 6121 §8.5): the item
   * was not delivered. Back in the queue after a backoff (sooner when the user shows up, see
   * `userAvailable`), or a dead letter when its attempts are spent. Undefined when `id` is no
   * inbound message of ours, or no longer remembered.
   */
  bounce(user: string, id: string, fromResource: string | undefined, reason: string): BounceOutcome | undefined {
    const bounces = this.deps.bounces;
    const rowId = bounces?.tracker.take(user, id, fromResource);
    if (rowId === undefined || !bounces) return undefined;
    const row = this.deps.store.outbox.get(rowId);
    if (!row || row.state !== 'done') return undefined;
    const now = this.deps.now();
    const error = `bounced by the XMPP server: ${reason}`;
    // markDone already counted the attempt that bounced.
    if (row.attempts >= bounces.retry.maxAttempts) {
      this.deps.store.outbox.markDead(row.id, error, now);
      this.deps.log.warn({ event: 'dead_letter', id: row.id, user, attempts: row.attempts, err: error }, 'a bounced inbound item is a dead letter');
      this.tellBridge(row, error);
      return 'dead';
    }
    const delay = backoffDelay(row.attempts, bounces.retry);
    if (!this.deps.store.outbox.reopen(row.id, now + delay, error, now)) return undefined;
    this.deps.log.info({ event: 'bounce_retry', id: row.id, user, attempts: row.attempts, delayMs: delay, err: reason }, 'bounced inbound item will be retried');
    return 'retry';
  }

  /** The user is available again: bounced items waiting for their backoff are due now. */
  userAvailable(user: string): number {
    return this.deps.store.outbox.expedite(this.deps.bridgeId, 'in', user, this.deps.now());
  }

  /** The bridge tells its network (a DSN), through the outbox: see inbound-dead.ts. */
  private tellBridge(row: OutboxRow, reason: string): void {
    this.deps.inboundDead?.(row, reason);
  }

  /** Tell the user that an outbound item failed: an error stanza with the original id. */
  private reportOut(row: OutboxRow, err: StanzaError): void {
    const { event, iq } = JSON.parse(row.payload) as OutPayload;
    // RFC 6121 §4: nobody asked anything with a broadcast presence; there is no stanza to answer.
    if (event.kind === 'presence') {
      this.deps.log.warn({ event: 'presence_failed', user: event.user, err: err.message }, 'the user presence could not be applied on the network');
      return;
    }
    // A room the core rejoined after a restart could not be joined: it ends for its resources (332).
    if (event.kind === 'join' && event.rejoin) {
      void this.deps.rooms?.ended(event.user, event.to, `Could not rejoin after the gateway restarted: ${err.message}`);
      return;
    }
    if (iq) {
      const reply = new Element('iq', { type: 'error', id: iq.id, from: iq.to, to: iq.from });
      reply.cnode(errorElement(err.condition, err.type, err.message));
      this.deps.send(reply).catch(() => undefined);
      return;
    }
    const inbound = errorReport(event, err);
    this.deps.ctx.deliver(inbound).catch((e: unknown) => this.deps.log.error({ event: 'report_failed', err: e }, 'could not store an error report'));
  }
}
