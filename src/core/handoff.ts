/**
 * Sharded mode's handoff (design.md §5a, README "Sharded mode"). A bridge's state about what it
 * sent lives in the store of the slot that sent it, but the network's answer about it (a Twilio
 * status callback, a mail server's bounce) reaches whichever instance the load balancer or MX
 * picks. An instance whose slot does not know the message puts the event in a queue every slot
 * shares (`ctx.handOff`, committed before the network is acknowledged); every slot's gateway
 * polls that queue and offers each item to its bridge (`Bridge.takeHandoff`), and the slot that
 * knows the message applies it and removes it. Applying is idempotent on the bridge's side (a
 * crash between applying and removing offers the item again), so nothing is lost or doubled.
 *
 * An item nobody takes (a callback about a message no slot sent, or one from before a prune) is
 * offered again while it is young (the sender's commit may trail the answer by a moment), and
 * dropped after `HANDOFF_KEEP_MS`.
 */
import type { Logger } from 'pino';
import type { Bridge } from './bridge.js';

/** An item is offered again on every poll while younger than this. */
export const HANDOFF_RECHECK_MS = 30_000;
/** Items nobody took are deleted after this (Twilio's last status callback comes within hours). */
export const HANDOFF_KEEP_MS = 86_400_000;
const PRUNE_EVERY_MS = 600_000;
/** An item whose taking threw this many times in a row is passed over. */
const MAX_FAILURES = 5;

export interface HandoffItem {
  id: number;
  bridge: string;
  kind: string;
  payload: Record<string, string>;
  createdAt: number;
}

/** The queue the slots share (src/core/postgres/shared-handoff.ts). */
export interface HandoffQueue {
  /** How often a gateway polls it. */
  readonly pollMs: number;
  /**
   * Resolves once the item is committed: true. With `ifKnown`, only when another slot's message
   * map has one of these network ids (`MessageMap`); false, and nothing posted, when none has.
   */
  post(bridge: string, kind: string, payload: Record<string, string>, now: number, ifKnown?: readonly string[]): Promise<boolean>;
  /** Items of these bridges with an id above `after`, or created at or after `since`; oldest first. */
  list(bridges: readonly string[], after: number, since: number): Promise<HandoffItem[]>;
  remove(id: number): Promise<void>;
  /** Delete items created before `before`; returns how many. */
  prune(before: number): Promise<number>;
}

export interface HandoffPollerOptions {
  queue: HandoffQueue;
  /** The gateway's bridges, by id. */
  bridges: () => ReadonlyArray<{ id: string; bridge: Bridge }>;
  log: Logger;
  now: () => number;
}

/** One gateway's side: poll the queue and offer its items to the bridges. */
export class HandoffPoller {
  private cursor = 0;
  private readonly failures = new Map<number, number>();
  private lastPrune = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly o: HandoffPollerOptions) {}

  start(): void {
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.poll()
        .catch((err: unknown) => this.o.log.warn({ event: 'handoff_poll_failed', err: (err as Error).message }, `handoff queue: ${(err as Error).message}`))
        .finally(() => this.schedule());
    }, this.o.queue.pollMs);
  }

  private async poll(): Promise<void> {
    const { queue, log } = this.o;
    const now = this.o.now();
    const takers = new Map<string, NonNullable<Bridge['takeHandoff']>>();
    for (const { id, bridge } of this.o.bridges()) if (bridge.takeHandoff) takers.set(id, bridge.takeHandoff.bind(bridge));
    if (takers.size > 0) {
      for (const item of await queue.list([...takers.keys()], this.cursor, now - HANDOFF_RECHECK_MS)) {
        if (this.stopped) return;
        if ((this.failures.get(item.id) ?? 0) >= MAX_FAILURES) continue;
        let taken: boolean;
        try {
          taken = await takers.get(item.bridge)!(item.kind, item.payload);
        } catch (err) {
          // The store could not commit: the item and the cursor stay, offered again next poll; an
          // item that fails every time (a payload the bridge cannot read) is skipped after a few.
          const failures = (this.failures.get(item.id) ?? 0) + 1;
          this.failures.set(item.id, failures);
          const skip = failures >= MAX_FAILURES;
          log.warn(
            { event: 'handoff_failed', bridge: item.bridge, kind: item.kind, id: item.id, err: (err as Error).message, skip },
            `a handed-off ${item.kind}: ${(err as Error).message}`,
          );
          if (!skip) return;
          this.cursor = Math.max(this.cursor, item.id);
          continue;
        }
        this.failures.delete(item.id);
        if (taken) {
          await queue.remove(item.id);
          log.info({ event: 'handoff_taken', bridge: item.bridge, kind: item.kind, id: item.id }, `took a handed-off ${item.kind}`);
        }
        this.cursor = Math.max(this.cursor, item.id);
      }
    }
    if (now - this.lastPrune >= PRUNE_EVERY_MS) {
      this.lastPrune = now;
      const n = await queue.prune(now - HANDOFF_KEEP_MS);
      if (n) log.info({ event: 'handoff_pruned', items: n }, `dropped ${n} handed-off items nobody took`);
    }
  }
}
