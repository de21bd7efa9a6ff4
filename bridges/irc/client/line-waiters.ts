/** Waiting for the IRC line that answers a command (a PART echo, a NICK, a numeric refusal), with a timeout. */
import type { IrcLine } from './line.js';

/** true = the awaited line, an Error = a refusal, undefined = not about this wait. */
export type LineMatch = (line: IrcLine) => true | Error | undefined;

interface Waiter {
  match: LineMatch;
  resolve(): void;
  reject(err: Error): void;
}

export class LineWaiters {
  private readonly waiters = new Set<Waiter>();

  wait(match: LineMatch, timeoutMs: number, onTimeout: () => Error): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(w);
        reject(onTimeout());
      }, timeoutMs);
      const w: Waiter = {
        match,
        resolve: () => (clearTimeout(timer), resolve()),
        reject: (e) => (clearTimeout(timer), reject(e)),
      };
      this.waiters.add(w);
    });
  }

  /** Offer a line (after it was handled) to every waiter. */
  dispatch(line: IrcLine): void {
    for (const w of [...this.waiters]) {
      const r = w.match(line);
      if (r === undefined) continue;
      this.waiters.delete(w);
      if (r === true) w.resolve();
      else w.reject(r);
    }
  }

  rejectAll(err: Error): void {
    for (const w of this.waiters) w.reject(err);
    this.waiters.clear();
  }
}
