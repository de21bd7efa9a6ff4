/**
 * A session's use of IRCv3 `draft/multiline` (https://ircv3.net/specs/extensions/multiline, the
 * wire parts in client/multiline.ts): a body of several lines goes out as one batch when the
 * server acknowledged the capability (and `batch`), and an inbound batch reaches the handlers as
 * one text event.
 *
 * Decision: the batch leaves as one entry of the throttled queue (its lines written together), so
 * flood control counts it once, as servers that offer multiline do, and an aborted attempt can
 * never leave half a batch on the wire. Over the server's `max-bytes` / `max-lines` the body is cut
 * into several batches at line boundaries (each one message on the other side); a `/me` body, or
 * a single line over `max-bytes`, goes out as one PRIVMSG per line, as without the capability.
 */
import { randomBytes } from 'node:crypto';
import { RetryableError, StanzaError } from '../../src/core/errors.js';
import type { BatchEvent, TextEvent } from './client/events.js';
import type { IrcConnection } from './client/connection.js';
import { serializeLine } from './client/line.js';
import { batchLines, joinParts, MultilineAssembler, parseMultilineLimits, planBatches, type MultilineLimits } from './client/multiline.js';
import type { Abortable } from './client/throttle.js';
import type { SessionView } from './session-port.js';
import type { IrcText } from './text.js';

/** Outbound: a body of several lines as multiline batches, when the connection takes them. */
export class MultilineSender {
  /** Batches of a message already written, by message key (no duplicates on retry). */
  private readonly progress = new Map<string, number>();

  constructor(private readonly s: SessionView) {}

  /** The server's multiline limits when it takes multiline batches on this connection. */
  private limits(): MultilineLimits | undefined {
    const conn = this.s.conn;
    if (!conn?.caps.has('batch')) return undefined;
    return parseMultilineLimits(conn.capValue('draft/multiline'));
  }

  /**
   * Send `texts` (bodyToIrc's lines) to `target` as multiline batches; resolves with one IrcText per
   * message the other side sees (per batch), or undefined when multiline does not apply (the caller
   * sends line by line). `beforeUnit(i, text)` gives the tags of batch `i`'s opening line (a label).
   * Batches written before a failure are not sent again on retry (`progress` under `key`).
   */
  async send(
    target: string,
    texts: readonly IrcText[],
    key: string,
    beforeUnit?: (i: number, text: string) => Record<string, string>,
    attempt?: Abortable,
  ): Promise<IrcText[] | undefined> {
    const s = this.s;
    const limits = this.limits();
    if (!limits || texts.length < 2 || texts.some((t) => t.action)) return undefined;
    const plan = planBatches(texts, limits);
    if (!plan) return undefined;
    const units: IrcText[] = plan.map(([a, b]) => ({ action: false, text: joinParts(texts.slice(a, b)) }));
    const done = this.progress.get(key) ?? 0;
    if (!s.queue.hasRoom(plan.length - done)) throw new StanzaError('resource-constraint', 'Too many lines are waiting to be sent to IRC; try again later.');
    try {
      for (let i = done; i < plan.length; i++) {
        const [a, b] = plan[i]!;
        const tags = beforeUnit?.(i, units[i]!.text) ?? {};
        if (b - a === 1) await s.sendLine('PRIVMSG', [target, texts[a]!.text], tags, attempt);
        else {
          const ref = randomBytes(6).toString('hex');
          const lines = batchLines(ref, 'PRIVMSG', target, texts.slice(a, b), tags).map((l) => serializeLine(l.command, l.params, l.tags));
          await s.queue.push(lines.join('\r\n'), attempt);
        }
        this.progress.set(key, i + 1);
      }
    } catch (err) {
      if (err instanceof RetryableError) throw err;
      throw new RetryableError('The IRC connection was lost while sending.', { cause: err });
    }
    this.progress.delete(key);
    return units;
  }
}

/** Inbound: the lines of a multiline batch kept until it ends, on the current connection. */
export class MultilineReceiver {
  private current: { conn: IrcConnection; assembler: MultilineAssembler } | undefined;

  constructor(private readonly s: SessionView) {}

  /** The current connection's assembler; `create`: start one if there is none yet. */
  private assembler(create: boolean): MultilineAssembler | undefined {
    const conn = this.s.conn;
    if (!conn) return undefined;
    if (this.current?.conn === conn) return this.current.assembler;
    if (!create) return undefined;
    const b = this.s.deps.config.bounds;
    const assembler = new MultilineAssembler({ maxOpen: b.open_batches, maxLines: b.multiline_lines, maxChars: b.multiline_chars });
    this.current = { conn, assembler };
    return assembler;
  }

  /** A line of an inbound multiline batch is kept until the batch ends (true: taken). */
  take(ev: TextEvent): boolean {
    return ev.batch !== undefined && (this.assembler(false)?.take(ev) ?? false);
  }

  /**
   * `BATCH +ref draft/multiline <target>` starts one; its `BATCH -ref` gives the whole message
   * (a truncated one says so at its end), for the handlers to treat as one PRIVMSG or NOTICE.
   */
  onBatch(ev: BatchEvent): TextEvent | undefined {
    if (ev.opening) {
      if (ev.batchType === 'draft/multiline') this.assembler(true)?.begin(ev);
      return undefined;
    }
    const whole = this.assembler(false)?.end(ev.ref);
    if (!whole) return undefined;
    const { truncated, ...text } = whole;
    if (!truncated) return text;
    const b = this.s.deps.config.bounds;
    return { ...text, text: `${text.text}\n[truncated by the gateway: longer than ${b.multiline_lines} lines or ${b.multiline_chars} characters]` };
  }
}
