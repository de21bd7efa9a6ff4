/**
 * An inbound item that cannot be delivered (bounced by the XMPP server, or out of attempts) is a
 * dead letter, and the bridge may have to tell its network: email owes the sender a DSN (RFC 5321
 * §6.1, RFC 3464). That report makes the bridge act on its network, so it goes through the outbox
 * like everything else (design.md §1.6): an `out` row of the bridge, inserted in the same commit
 * that makes the inbound row dead, retried with the outbox's backoff while the network is
 * unreachable (the relay is down), a dead letter of its own when the attempts run out. It is
 * never lost to a crash or an outage, and never sent twice for one inbound row (its dedupe key).
 */
import type { Logger } from 'pino';
import type { Bridge } from './bridge.js';
import type { Inbound } from './model.js';
import type { LaneHooks } from './outbox.js';
import type { OutboxRow, Store } from './store.js';

/** What an `out` row for a report holds (`OutPayload` rows hold `event` instead). */
export interface InboundDeadPayload {
  inboundDead: { row: number; event: Inbound; reason: string };
}

const DEDUPE_PREFIX = 'inbound-dead|';

export function isInboundDeadPayload(payload: unknown): payload is InboundDeadPayload {
  return typeof payload === 'object' && payload !== null && 'inboundDead' in payload;
}

export interface InboundDeadDeps {
  bridgeId: string;
  bridge: Bridge;
  store: Store;
  log: Logger;
  now(): number;
  /** A report row was stored: the out lane should look at its key. */
  kick(okey: string): void;
}

export class InboundDeadReports {
  constructor(private readonly deps: InboundDeadDeps) {}

  /** Queue the bridge's report about the dead inbound `row` (nothing when the bridge has none to make). */
  enqueue(row: OutboxRow, reason: string): void {
    const { bridge, store, log, bridgeId } = this.deps;
    if (!bridge.inboundDead) return;
    let event: Inbound;
    try {
      event = JSON.parse(row.payload) as Inbound;
    } catch {
      return;
    }
    const payload: InboundDeadPayload = { inboundDead: { row: row.id, event, reason } };
    // Its own key per conversation: a report never waits behind what the user writes to the sender.
    const okey = `${row.user}|${event.from}|inbound-dead`;
    try {
      const res = store.outbox.enqueue(
        { direction: 'out', bridge: bridgeId, user: row.user, okey, dedupe: `${DEDUPE_PREFIX}${row.id}`, payload: JSON.stringify(payload) },
        this.deps.now(),
      );
      if (res.duplicate) return;
      log.info({ event: 'inbound_dead_queued', id: res.id, inboundId: row.id, user: row.user }, 'the report of an undeliverable item is queued');
      this.deps.kick(okey);
    } catch (err) {
      log.error({ event: 'inbound_dead_lost', inboundId: row.id, user: row.user, err }, 'could not queue the report of an undeliverable item; it stays a dead letter');
    }
  }

  /** The out lane's hooks, with report rows handed to `Bridge.inboundDead` and the rest to `hooks`. */
  wrap(hooks: LaneHooks): LaneHooks {
    const { bridge, log } = this.deps;
    const report = (row: OutboxRow): InboundDeadPayload['inboundDead'] | undefined => {
      // The dedupe key first, so the user's own items are not parsed twice; the payload decides.
      if (!row.dedupe?.startsWith(DEDUPE_PREFIX)) return undefined;
      const payload = JSON.parse(row.payload) as unknown;
      return isInboundDeadPayload(payload) ? payload.inboundDead : undefined;
    };
    return {
      ...hooks,
      handle: async (row, attempt) => {
        const r = report(row);
        if (!r) return hooks.handle(row, attempt);
        if (!bridge.inboundDead) return;
        await bridge.inboundDead.call(bridge, r.event, r.reason, { signal: attempt.signal });
      },
      // A report is never ephemeral: it is retried until it is sent or dead (the hook reads `OutPayload`s).
      ephemeral: (row) => !report(row) && hooks.ephemeral?.(row) === true,
      // Nobody on XMPP asked for a report: the failure is the operator's to see (logs, dead letters).
      onFailed: (row, error) => {
        const r = report(row);
        if (!r) return hooks.onFailed(row, error);
        log.error({ event: 'inbound_dead_failed', id: row.id, inboundId: r.row, user: row.user, err: error.message }, 'the network refused the report of an undeliverable item');
      },
      onDead: (row, error) => {
        const r = report(row);
        if (!r) return hooks.onDead(row, error);
        log.warn({ event: 'inbound_dead_dead', id: row.id, inboundId: r.row, user: row.user, err: error.message }, 'the report of an undeliverable item ran out of attempts; it is a dead letter');
      },
    };
  }
}
