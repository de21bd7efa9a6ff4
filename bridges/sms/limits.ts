/**
 * Cost protection: a per-user rate limit (sliding minute, in memory) and a daily cap per UTC day
 * (in the key/value store, so a restart does not reset it). Exceeding either is
 * `policy-violation` (RFC 6120 §8.3.3.12) with a text saying which and until when.
 */
import type { KeyValueStore } from '../../src/core/bridge.js';
import type { UserJid } from '../../src/core/model.js';
import { StanzaError } from '../../src/core/errors.js';

export interface LimitsConfig {
  per_minute: number;
  daily_cap: number;
}

const WINDOW_MS = 60_000;

export class SendLimits {
  private readonly recent = new Map<UserJid, number[]>();

  constructor(
    private readonly kv: KeyValueStore,
    private readonly config: LimitsConfig,
  ) {}

  /** Reserve `count` texts for `user` at `now`, or throw policy-violation. */
  take(user: UserJid, count: number, now: number): void {
    const stamps = (this.recent.get(user) ?? []).filter((t) => t > now - WINDOW_MS);
    if (stamps.length + count > this.config.per_minute) {
      const wait = Math.ceil(((stamps[0] ?? now) + WINDOW_MS - now) / 1000);
      this.recent.set(user, stamps);
      throw new StanzaError(
        'policy-violation',
        `Rate limit: at most ${this.config.per_minute} texts per minute; try again in ${Math.max(1, wait)} s.`,
      );
    }
    const dayKey = `daily:${user}:${new Date(now).toISOString().slice(0, 10)}`;
    const sentToday = this.kv.get<number>(dayKey) ?? 0;
    if (this.config.daily_cap > 0 && sentToday + count > this.config.daily_cap) {
      throw new StanzaError(
        'policy-violation',
        `Daily cap reached: at most ${this.config.daily_cap} texts per day (UTC); ${sentToday} sent today.`,
      );
    }
    for (let i = 0; i < count; i += 1) stamps.push(now);
    this.recent.set(user, stamps);
    this.kv.set(dayKey, sentToday + count);
  }

  /** Drop daily counters of days before `before`'s UTC day. */
  prune(before: number): void {
    const day = new Date(before).toISOString().slice(0, 10);
    for (const { key } of this.kv.list<number>('daily:')) {
      if (key.slice(-10) < day) this.kv.delete(key);
    }
  }
}
