import type { Element } from 'ltx';

export type StanzaPredicate = (el: Element) => boolean;

interface Waiter {
  predicate: StanzaPredicate;
  resolve: (el: Element) => void;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const SHOWN_ON_TIMEOUT = 10;

/**
 * Every stanza received, in order, plus "expect a stanza like this" waits in the style of
 * biboumi's expect_stanza. Each stanza satisfies at most one wait (it is then consumed), so
 * two waits for similar stanzas need two stanzas, and a stanza that arrived before the test
 * started waiting is still found.
 */
export class StanzaQueue {
  readonly received: Element[] = [];
  private readonly consumed = new Set<Element>();
  private readonly waiters = new Set<Waiter>();

  push(el: Element): void {
    this.received.push(el);
    for (const waiter of this.waiters) {
      if (!safeMatch(waiter.predicate, el)) continue;
      this.consumed.add(el);
      this.waiters.delete(waiter);
      waiter.resolve(el);
      return;
    }
  }

  /** Received stanzas that no wait has consumed yet. */
  unconsumed(): Element[] {
    return this.received.filter((el) => !this.consumed.has(el));
  }

  waitForStanza(predicate: StanzaPredicate, message: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Element> {
    const already = this.unconsumed().find((el) => safeMatch(predicate, el));
    if (already !== undefined) {
      this.consumed.add(already);
      return Promise.resolve(already);
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        predicate,
        resolve: (el) => {
          clearTimeout(timer);
          resolve(el);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for stanza: ${message}\n${this.describe()}`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** The last unconsumed stanzas, for timeout messages: what came instead of what we wanted. */
  describe(): string {
    const pending = this.unconsumed();
    if (pending.length === 0) return '(no unconsumed stanzas received)';
    const shown = pending.slice(-SHOWN_ON_TIMEOUT).map((el) => `  ${el.toString()}`);
    return `unconsumed stanzas (${pending.length}, last ${shown.length}):\n${shown.join('\n')}`;
  }
}

// A predicate that throws (e.g. reading a child that is absent) just does not match.
function safeMatch(predicate: StanzaPredicate, el: Element): boolean {
  try {
    return predicate(el);
  } catch {
    return false;
  }
}
