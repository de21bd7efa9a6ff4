/** Lines a connection discarded (input-text.ts, line-reader.ts), counted per reason and logged sparingly. */
import type { Logger } from 'pino';

export type DiscardReason = 'too-long' | 'controls' | 'missing-params';

export class DiscardLog {
  private readonly counts = new Map<DiscardReason, number>();

  constructor(
    private readonly log: Logger,
    private readonly lineBytes: number,
    private readonly fields: Record<string, string>,
  ) {}

  /** Logged for the first line of each reason and then every 1000th: a server sending only bad lines does not flood the log. */
  count(reason: DiscardReason): void {
    const count = (this.counts.get(reason) ?? 0) + 1;
    this.counts.set(reason, count);
    if (count % 1000 !== 1) return;
    const text =
      reason === 'too-long' ? `an IRC line over ${this.lineBytes} bytes was discarded`
      : reason === 'controls' ? 'an IRC line whose nick or target was only control characters was discarded'
      : 'an IRC line without the parameters of its command was discarded';
    this.log.warn({ event: 'irc-line-discarded', reason, count, ...this.fields }, text);
  }
}
