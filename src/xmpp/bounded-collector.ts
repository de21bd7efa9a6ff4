/**
 * A bounded byte collector for the stream scanner (stream-scanner.ts): a name or attribute value
 * that may span reads is kept only up to a cap, so hostile markup cannot grow memory.
 */
/** A bounded byte collector for a name or attribute value that may span reads. */
export class Collector {
  private parts: Buffer[] = [];
  private length = 0;
  private overflow = false;
  /** Where the piece starts in the current chunk; -1 when not collecting. */
  private start = -1;

  get active(): boolean {
    return this.start >= 0;
  }
  get held(): number {
    return this.active && !this.overflow ? this.length : 0;
  }

  begin(at: number): void {
    this.parts = [];
    this.length = 0;
    this.start = at;
    this.overflow = false;
  }
  /** Keep chunk[start, end) (copied: a view would keep the whole read alive); beyond `cap`, nothing. */
  take(chunk: Buffer, end: number, cap: number): void {
    if (this.start < 0) return;
    const n = end - this.start;
    if (!this.overflow && this.length + n <= cap) {
      if (n > 0) this.parts.push(Buffer.from(chunk.subarray(this.start, end)));
      this.length += n;
    } else {
      this.overflow = true;
      this.parts = [];
    }
    this.start = 0;
  }
  /** The whole piece, or undefined when it was longer than `cap`. */
  finish(chunk: Buffer, end: number, cap: number): string | undefined {
    // The common case, a piece within one read: decoded from the read, with no copy of its own.
    if (this.start >= 0 && this.parts.length === 0 && !this.overflow && this.length === 0) {
      const start = this.start;
      this.start = -1;
      return end - start <= cap ? chunk.toString('utf8', start, end) : undefined;
    }
    this.take(chunk, end, cap);
    this.start = -1;
    const parts = this.parts;
    this.parts = [];
    if (this.overflow) return undefined;
    return parts.length === 1 ? parts[0]!.toString('utf8') : Buffer.concat(parts).toString('utf8');
  }
}
