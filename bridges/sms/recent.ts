/**
 * The recent texts of each conversation (user, phone number), both directions, in the bridge's
 * key/value store: what a reaction refers to. A reaction from the XMPP user names a message by
 * its XMPP id; a tapback from a phone names it by quoting its text. Each entry also keeps the
 * current reactions of each side, since XEP-0444 sends whole sets and SMS one change at a time.
 * Bounded: the last MAX_RECENT texts per conversation, each kept to MAX_TEXT code points (phones
 * cut long quotes anyway), so the one record rewritten per text stays a few KiB.
 */
import type { KeyValueStore } from '../../src/core/bridge.js';
import { quoteMatches } from './tapbacks.js';

export const MAX_RECENT = 30;
export const MAX_TEXT = 160;

export interface RecentText {
  /** The XMPP ids the message is known by (stanza id first, then origin-id). */
  ids: string[];
  text: string;
  /** The text was longer than MAX_TEXT: `text` is its start. */
  cut?: boolean;
  /** The XMPP user's reactions to it (what was sent as texts). */
  mine?: string[];
  /** The phone's reactions to it (from tapbacks). */
  theirs?: string[];
}

export class RecentTexts {
  constructor(private readonly kv: KeyValueStore) {}

  private key(user: string, peer: string): string {
    return `recent:${user}|${peer}`;
  }

  list(user: string, peer: string): RecentText[] {
    return this.kv.get<RecentText[]>(this.key(user, peer)) ?? [];
  }

  /** Remember a text sent or received (ids without the empty ones). */
  add(user: string, peer: string, ids: Array<string | undefined>, text: string): void {
    const known = ids.filter((id): id is string => !!id);
    if (known.length === 0 || text.trim() === '') return;
    const points = Array.from(text);
    const cut = points.length > MAX_TEXT;
    const entry: RecentText = { ids: [...new Set(known)], text: cut ? points.slice(0, MAX_TEXT).join('') : text, ...(cut ? { cut } : {}) };
    this.kv.set(this.key(user, peer), [...this.list(user, peer), entry].slice(-MAX_RECENT));
  }

  byId(user: string, peer: string, id: string): RecentText | undefined {
    return this.list(user, peer).find((e) => e.ids.includes(id));
  }

  /** The newest text the quote stands for (a phone quotes the text it reacts to). */
  byQuote(user: string, peer: string, quoted: string): RecentText | undefined {
    const q = quoted.trim();
    return [...this.list(user, peer)].reverse().find((e) => quoteMatches(quoted, e.text) || (e.cut === true && q.startsWith(e.text.trim())));
  }

  /** Set one side's reactions on the entry with `id` (no-op when it is gone). */
  setReactions(user: string, peer: string, id: string, side: 'mine' | 'theirs', emojis: string[]): void {
    const entries = this.list(user, peer);
    const entry = entries.find((e) => e.ids.includes(id));
    if (!entry) return;
    entry[side] = emojis;
    this.kv.set(this.key(user, peer), entries);
  }
}
