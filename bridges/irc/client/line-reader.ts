/**
 * Splits the bytes an IRC server sends into lines (RFC 1459 §2.3: CR LF terminated; a bare LF
 * is accepted, as servers send it), in bounded memory: a line longer than `maxBytes` (default
 * 512 + the 8191-byte tag section of https://ircv3.net/specs/extensions/message-tags) is
 * discarded up to its end without being buffered, and the connection goes on with the next one.
 * At most `maxBytes` bytes are ever held, whatever the server sends.
 */

export class LineReader {
  private parts: Buffer[] = [];
  private held = 0;
  /** Inside a line that went over the limit: skip to its LF. */
  private discarding = false;

  constructor(
    private readonly maxBytes: number,
    private readonly onLine: (bytes: Buffer) => void,
    private readonly onTooLong: () => void,
  ) {}

  /** Bytes held for the line in progress (never more than maxBytes). */
  get buffered(): number {
    return this.held;
  }

  push(chunk: Buffer, stopped: () => boolean = () => false): void {
    let start = 0;
    while (start < chunk.length && !stopped()) {
      const nl = chunk.indexOf(0x0a, start);
      const end = nl === -1 ? chunk.length : nl;
      if (this.discarding) {
        if (nl !== -1) this.discarding = false;
      } else if (this.held + (end - start) > this.maxBytes + (nl === -1 ? 0 : 1)) {
        // Over the limit (a CR before the LF does not count): drop what was held and skip the rest.
        this.parts = [];
        this.held = 0;
        this.discarding = nl === -1;
        this.onTooLong();
      } else if (nl === -1) {
        // A copy: a view would keep the whole chunk alive.
        this.parts.push(Buffer.from(chunk.subarray(start)));
        this.held += chunk.length - start;
      } else {
        let line = this.held ? Buffer.concat([...this.parts, chunk.subarray(start, end)]) : chunk.subarray(start, end);
        this.parts = [];
        this.held = 0;
        if (line.length > 0 && line[line.length - 1] === 0x0d) line = line.subarray(0, line.length - 1);
        this.onLine(line);
      }
      if (nl === -1) break;
      start = nl + 1;
    }
  }
}
