/**
 * IRCv3 echo-message (https://ircv3.net/specs/extensions/echo-message): when the server echoes
 * our own PRIVMSGs back, the echo is the delivery confirmation, so a groupchat is reflected to the
 * user's resources only when its echo arrives. Each line sent waits here until its echo is matched:
 * by its `label` tag when labeled-response (https://ircv3.net/specs/extensions/labeled-response)
 * is on, else by target and text (without formatting codes, which a channel mode such as
 * InspIRCd's +S may strip from what it relays), first sent first matched.
 */
import { randomUUID } from 'node:crypto';
import type { BatchEvent, MessageTagFields, TextEvent } from './events.js';
import { stripIrcFormatting } from './input-text.js';

export interface PendingEcho {
  /** The target, folded by the server's CASEMAPPING. */
  target: string;
  /** The text as written on the wire (CTCP framing included), without formatting codes. */
  plain: string;
  label?: string;
  /** Called by the line handler with the echo, in the order lines arrive; settles the wait. */
  onEcho(echo: TextEvent): Promise<void>;
  settle(err?: Error): void;
}

export class EchoTracker {
  private pending: PendingEcho[] = [];

  get size(): number {
    return this.pending.length;
  }

  /**
   * Expect the echo of one line; `onEcho` runs (reflection) when it arrives. The promise settles
   * after `onEcho`, or rejects with the error of `rejectAll` or of the timeout.
   */
  expect(
    target: string,
    text: string,
    withLabel: boolean,
    onEcho: (echo: TextEvent) => Promise<void>,
    timeoutMs: number,
    onTimeout: () => Error,
  ): { label?: string; done: Promise<void> } {
    const label = withLabel ? randomUUID().slice(0, 18) : undefined;
    let entry!: PendingEcho;
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => entry.settle(onTimeout()), timeoutMs);
      timer.unref();
      entry = {
        target,
        // Stripped once here, not once per pending line for every echo.
        plain: stripIrcFormatting(text),
        ...(label ? { label } : {}),
        onEcho: async (echo) => {
          try {
            await onEcho(echo);
            entry.settle();
          } catch (err) {
            entry.settle(err as Error);
          }
        },
        settle: (err) => {
          clearTimeout(timer);
          this.pending = this.pending.filter((p) => p !== entry);
          if (err) reject(err);
          else resolve();
        },
      };
    });
    this.pending.push(entry);
    return { ...(label ? { label } : {}), done };
  }

  /** The pending line this echo confirms (removed from the waiting list), if any. */
  take(echo: TextEvent, fold: (name: string) => string): PendingEcho | undefined {
    const { label, text } = echo;
    const target = fold(echo.target);
    const plain = stripIrcFormatting(text);
    const found =
      label !== undefined ? this.pending.find((p) => p.label === label) : this.pending.find((p) => p.target === target && p.plain === plain);
    if (found) this.pending = this.pending.filter((p) => p !== found);
    return found;
  }

  rejectAll(err: Error): void {
    for (const p of [...this.pending]) p.settle(err);
  }
}

/** Open IRCv3 batches (https://ircv3.net/specs/extensions/batch) by reference: their type. */
export class OpenBatches {
  private readonly open = new Map<string, string>();

  /** `max`: batches tracked at once (config `bounds.open_batches`); a server that never closes them cannot grow the map. */
  constructor(private readonly max = 64) {}

  get size(): number {
    return this.open.size;
  }

  /** `BATCH +ref type …` opens one, `BATCH -ref` closes it; one over the bound is not tracked (its lines are ordinary lines). */
  onBatch(ev: BatchEvent): void {
    if (!ev.opening) this.open.delete(ev.ref);
    else if (this.open.size < this.max || this.open.has(ev.ref)) this.open.set(ev.ref, ev.batchType);
  }

  /** The type of the batch a message belongs to (its `batch` tag; e.g. `chathistory`, `netsplit`), if any. */
  typeOf(tags: MessageTagFields): string | undefined {
    const ref = tags.batch;
    return ref === undefined ? undefined : this.open.get(ref);
  }

  clear(): void {
    this.open.clear();
  }
}
