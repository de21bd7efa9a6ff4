/**
 * Which Twilio number (or Messaging Service) belongs to which XMPP user: the YAML `numbers` map,
 * overridden by admin assignments stored in the bridge's key/value store (`assign:<user>`; a
 * null sender removes a YAML entry). An in-memory index answers the webhook hot path.
 * Also remembers numbers that received texts while unassigned, for the admin listing.
 */
import type { KeyValueStore } from '../../src/core/bridge.js';
import type { UserJid } from '../../src/core/model.js';
import { StanzaError } from '../../src/core/errors.js';

export interface Sender {
  from?: string;
  messagingServiceSid?: string;
}

export interface Assignment {
  user: UserJid;
  sender: string;
  source: 'config' | 'admin';
}

export interface UnassignedNumber {
  number: string;
  count: number;
  lastAt: number;
}

const ASSIGN = 'assign:';
const UNASSIGNED = 'unassigned:';

export function isMessagingServiceSid(sender: string): boolean {
  return /^MG[0-9a-fA-F]{32}$/.test(sender);
}

export class NumberDirectory {
  private byUser = new Map<UserJid, Assignment>();
  private bySender = new Map<string, UserJid>();

  constructor(
    private readonly kv: KeyValueStore,
    private readonly configured: Record<string, string>,
  ) {
    this.reindex();
  }

  /** What the user sends from; undefined when no number is assigned. */
  senderFor(user: UserJid): Sender | undefined {
    const a = this.byUser.get(user.toLowerCase());
    if (!a) return undefined;
    return isMessagingServiceSid(a.sender) ? { messagingServiceSid: a.sender } : { from: a.sender };
  }

  /** The user that owns an inbound text: by the number it was sent to, else by Messaging Service. */
  ownerOf(to: string, messagingServiceSid?: string): UserJid | undefined {
    return this.bySender.get(to) ?? (messagingServiceSid ? this.bySender.get(messagingServiceSid) : undefined);
  }

  list(): Assignment[] {
    return [...this.byUser.values()].sort((a, b) => a.user.localeCompare(b.user));
  }

  /** Assign (or re-assign) a sender to a user; a sender belongs to one user only. */
  assign(user: UserJid, sender: string): void {
    const owner = this.bySender.get(sender);
    if (owner !== undefined && owner !== user.toLowerCase()) {
      throw new StanzaError('conflict', `${sender} is already assigned to ${owner}; unassign it first.`);
    }
    this.kv.set(ASSIGN + user.toLowerCase(), { sender });
    this.kv.delete(UNASSIGNED + sender);
    this.reindex();
  }

  /** Remove the user's sender (also one from the YAML). Returns what was removed. */
  unassign(user: UserJid): string | undefined {
    const current = this.byUser.get(user.toLowerCase());
    if (!current) return undefined;
    this.kv.set(ASSIGN + user.toLowerCase(), { sender: null });
    this.reindex();
    return current.sender;
  }

  /** Note that `number` received a text while nobody owned it. */
  noteUnassigned(number: string, now: number): void {
    const prev = this.kv.get<UnassignedNumber>(UNASSIGNED + number);
    this.kv.set(UNASSIGNED + number, { number, count: (prev?.count ?? 0) + 1, lastAt: now });
  }

  unassignedNumbers(): UnassignedNumber[] {
    return this.kv
      .list<UnassignedNumber>(UNASSIGNED)
      .map((e) => e.value)
      .filter((u) => !this.bySender.has(u.number));
  }

  private reindex(): void {
    const byUser = new Map<UserJid, Assignment>();
    for (const [user, sender] of Object.entries(this.configured)) {
      byUser.set(user.toLowerCase(), { user: user.toLowerCase(), sender, source: 'config' });
    }
    for (const { key, value } of this.kv.list<{ sender: string | null }>(ASSIGN)) {
      const user = key.slice(ASSIGN.length);
      if (value.sender === null) byUser.delete(user);
      else byUser.set(user, { user, sender: value.sender, source: 'admin' });
    }
    const bySender = new Map<string, UserJid>();
    for (const a of byUser.values()) bySender.set(a.sender, a.user);
    this.byUser = byUser;
    this.bySender = bySender;
  }
}
