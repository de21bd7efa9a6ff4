/**
 * Delivery state of outbound texts, kept in the bridge's key/value store so it survives restarts:
 *  - `group:<user>|<stanza id>`: one XMPP message, sent as one or more Twilio messages (a split
 *    body); which parts were already accepted (a retry resumes after them, so nothing is sent
 *    twice), and whether the outcome was reported.
 *  - `part:<MessageSid>`: the last status of each Twilio message and its group.
 * Status callbacks can arrive out of order (Twilio's status-callback guide): a status never
 * replaces one of higher rank, so `sent` after `delivered` changes nothing.
 */
import type { KeyValueStore } from '../../src/core/bridge.js';
import type { Inbound, UserJid } from '../../src/core/model.js';
import { twilioError, twilioErrorText } from './twilio-errors.js';

export interface Group {
  user: UserJid;
  /** Local part of the recipient. */
  to: string;
  /** The XMPP stanza id, when the client gave one. */
  id?: string;
  /** The sending resource (failures are addressed to it). */
  resource?: string;
  receiptRequested: boolean;
  parts: number;
  /** MessageSid of each part accepted by Twilio, in order. */
  sids: string[];
  delivered: string[];
  reported?: 'delivered' | 'failed';
  /** When it was first sent (ms), for pruning. */
  at: number;
}

interface Part {
  group: string;
  status: string;
  /** When it was sent (ms), for pruning. */
  at: number;
}

// Message status lifecycle: https://www.twilio.com/docs/messaging/api/message-resource#message-status-values
const RANK: Record<string, number> = {
  accepted: 0,
  scheduled: 0,
  queued: 1,
  sending: 2,
  sent: 3,
  delivered: 5,
  undelivered: 5,
  failed: 5,
  canceled: 5,
  read: 6,
};

export class DeliveryTracker {
  constructor(
    private readonly kv: KeyValueStore,
    private readonly now: () => number,
  ) {}

  group(key: string): Group | undefined {
    return this.kv.get<Group>(`group:${key}`);
  }

  saveGroup(key: string, group: Group): void {
    this.kv.set(`group:${key}`, group);
  }

  /** Record that part `index` of the group was accepted by Twilio as `sid`. */
  partSent(key: string, group: Group, sid: string, status: string): void {
    group.sids.push(sid);
    this.kv.set(`part:${sid}`, { group: key, status, at: this.now() } satisfies Part);
    this.saveGroup(key, group);
  }

  /** Whether this store sent the Twilio message `sid` (in sharded mode, another slot may have). */
  knows(sid: string): boolean {
    return this.kv.get<Part>(`part:${sid}`) !== undefined;
  }

  /**
   * Apply a status callback. Returns the event to deliver (receipt or failure) or nothing, and an
   * `undo` that restores the previous state if that event could not be committed.
   */
  onStatus(sid: string, status: string, errorCode: number | undefined): { event?: Inbound; dedupeKey?: string; undo(): void } {
    const none = { undo: () => undefined };
    const part = this.kv.get<Part>(`part:${sid}`);
    if (!part) return none;
    const rank = RANK[status] ?? -1;
    if (rank <= (RANK[part.status] ?? -1)) return none; // a replay or an out-of-order callback
    const group = this.group(part.group);
    if (!group) return none;
    const before = { part: { ...part }, group: structuredClone(group) };
    const undo = () => {
      this.kv.set(`part:${sid}`, before.part);
      this.saveGroup(part.group, before.group);
    };
    this.kv.set(`part:${sid}`, { ...part, status } satisfies Part);

    // A receipt goes to the bare JID: it can come minutes later, when the sending resource is gone;
    // carbons reach the other resources. An error stanza must go to the full JID: the server
    // drops a type='error' message addressed to a bare JID (RFC 6121 §8.5.2.1.1).
    const base = { user: group.user, from: group.to };
    const errorBase = { ...base, ...(group.resource ? { toResource: group.resource } : {}) };
    if (status === 'delivered' || status === 'read') {
      if (!group.delivered.includes(sid)) group.delivered.push(sid);
      const all = group.delivered.length >= group.parts;
      if (all && !group.reported) {
        group.reported = 'delivered';
        this.saveGroup(part.group, group);
        // XEP-0184 §5.1: a receipt only when the sender asked for one.
        if (group.receiptRequested && group.id) {
          return { event: { kind: 'receipt', ...base, id: group.id, state: 'delivered' }, dedupeKey: `receipt:${part.group}`, undo };
        }
        return none;
      }
      this.saveGroup(part.group, group);
      return { undo };
    }
    if ((status === 'failed' || status === 'undelivered' || status === 'canceled') && !group.reported) {
      group.reported = 'failed';
      this.saveGroup(part.group, group);
      const info = twilioError(errorCode, 'recipient-unavailable');
      const text = `SMS ${status}: ${twilioErrorText(errorCode, info.meaning)}`;
      const event: Inbound = group.id
        ? { kind: 'receipt', ...errorBase, id: group.id, state: 'failed', condition: info.condition, text }
        : { kind: 'error', ...errorBase, stanza: 'message', condition: info.condition, text };
      return { event, dedupeKey: `failed:${part.group}`, undo };
    }
    return { undo };
  }

  /** Forget texts sent before `before` (their status callbacks are long over). Returns how many. */
  prune(before: number): number {
    let n = 0;
    for (const prefix of ['part:', 'group:']) {
      for (const { key, value } of this.kv.list<{ at?: number }>(prefix)) {
        if ((value.at ?? 0) < before) {
          this.kv.delete(key);
          n += 1;
        }
      }
    }
    return n;
  }
}
