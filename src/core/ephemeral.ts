/**
 * Ephemeral items: XEP-0085 chat states, both ways. They take the outbox like everything else
 * (design.md §1.6: one door, in order per conversation, so "typing" never overtakes the message
 * it announces), but they are not messages (XEP-0085 §5.5: no receipts, no errors owed, not
 * archived):
 * - one attempt only: any failure (the bridge refuses, the network or the XMPP server is down,
 *   the deadline passes) ends the item quietly: no retry, no dead letter, no error stanza;
 * - a state that waited too long (a restart, a backlog) is stale and skipped, not shown late;
 * - inbound, they are never bounce-tracked (core/delivery.ts tracks messages only).
 */
import type { OutboxRow } from './store.js';

/** XEP-0085 §5.2 lets a client go from composing to paused after ~30 s: older news is wrong news. */
export const EPHEMERAL_TTL_MS = 30_000;

export function isEphemeralKind(kind: string): boolean {
  return kind === 'chatstate';
}

/** Whether an ephemeral row waited so long that showing it now would mislead. */
export function isStale(row: Pick<OutboxRow, 'createdAt'>, now: number): boolean {
  return now - row.createdAt > EPHEMERAL_TTL_MS;
}
