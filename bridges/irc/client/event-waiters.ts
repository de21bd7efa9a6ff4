/**
 * Waiting for the event that answers a command (a PART echo, a NICK, a refusal, the end of a
 * list), with a timeout. A match reads the typed events of events.ts, never a line or a numeric.
 */
import type { IrcEvent } from './events.js';

/** A value = the awaited answer, an Error = a refusal, undefined = not about this wait. */
export type EventMatch<T> = (ev: IrcEvent) => T | Error | undefined;

/** What a wait resolves with: the match's values, not its refusals. */
export type Answer<T> = Exclude<T, Error | undefined>;

interface Waiter {
  match: EventMatch<unknown>;
  resolve(value: unknown): void;
  reject(err: Error): void;
}

export class EventWaiters {
  private readonly waiters = new Set<Waiter>();

  wait<T>(match: EventMatch<T>, timeoutMs: number, onTimeout: () => Error): Promise<Answer<T>> {
    return new Promise<Answer<T>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(w);
        reject(onTimeout());
      }, timeoutMs);
      const w: Waiter = {
        match,
        resolve: (value) => (clearTimeout(timer), resolve(value as Answer<T>)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      };
      this.waiters.add(w);
    });
  }

  /** Offer an event (after the bridge handled it) to every waiter. */
  dispatch(ev: IrcEvent): void {
    for (const w of [...this.waiters]) {
      const r = w.match(ev);
      if (r === undefined) continue;
      this.waiters.delete(w);
      if (r instanceof Error) w.reject(r);
      else w.resolve(r);
    }
  }

  rejectAll(err: Error): void {
    for (const w of this.waiters) w.reject(err);
    this.waiters.clear();
  }
}
