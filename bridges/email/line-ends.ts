/**
 * Broken line ends on the inbound SMTP listener. RFC 5321 §2.3.8 ends every line with CRLF;
 * smtp-server already takes commands ended by a bare LF, and content lines with bare LF (as
 * Postfix's default `smtpd_forbid_bare_newline = normalize` does since 3.9), but it only ends
 * DATA at CRLF.CRLF. It must: RFC 5321 §4.1.1.4 says LF.LF MUST NOT be treated as the end of
 * the mail data, and doing so is SMTP smuggling (CVE-2023-51764). Left alone, a client that
 * ends DATA with LF.LF or CR.CR, or a command with a bare CR, waits for a reply that never comes
 * and times out. So instead the listener answers as soon as the client starts waiting:
 *  - a "." line with a bare LF or bare CR on either side inside the data: 550 5.5.2, the
 *    message is refused and the connection closed (like Postfix's `smtpd_forbid_bare_newline =
 *    reject`, "Error: bare <LF> received"); nothing is delivered;
 *  - a command that ends in a bare CR (then nothing for BARE_CR_WAIT_MS): 500 5.5.2 and close.
 */
import type { Socket } from 'node:net';
import type { SMTPServer } from 'smtp-server';

type SMTPConnection = SMTPServer['connections'] extends Set<infer C> ? C : never;

export type BareEnding = 'LF' | 'CR';

const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;

/** How long a command line ending in a bare CR waits for its LF before it is answered. */
export const BARE_CR_WAIT_MS = 1500;

export const BARE_DATA_END_TEXT =
  '5.5.2 Message refused: a bare <LF> or <CR> received where the data ended; end lines with <CR><LF> and the message with <CR><LF>.<CR><LF> (RFC 5321 §4.1.1.4)';
export const BARE_CR_COMMAND_TEXT = '5.5.2 Command ended with a bare <CR>: end SMTP lines with <CR><LF> (RFC 5321 §2.3.8)';

/**
 * Scans the (dot-unstuffed) DATA stream for a line that is only "." with a bare LF or CR on one
 * side: the client means it as the end of data. A "." line between two CRLFs is content (a
 * stuffed ".." line), and smtp-server consumes the real CRLF.CRLF itself.
 */
export class BareDataEndScanner {
  /** The last bytes of the previous chunk, so a sequence split across chunks is seen. */
  private tail = Buffer.alloc(0);
  /** Bytes of the stream before `tail`. */
  private before = 0;
  /**
   * The data seen so far ends with a "." line and a CR: either CRLF follows, or the client sent
   * CR.CR and now waits (only silence tells).
   */
  endsWithDotCr = false;
  /** Position, counted from the end of the tail, of a "." whose line end has not come yet. */
  private pendingFromEnd = 0;

  /** Feed the next chunk; returns which bare ending ended the data, if one did. */
  feed(chunk: Buffer): BareEnding | undefined {
    const buf = this.tail.length > 0 ? Buffer.concat([this.tail, chunk]) : chunk;
    // Dots in the tail were judged already, except one still waiting for the bytes after it.
    const from = this.pendingFromEnd > 0 ? this.tail.length - this.pendingFromEnd : this.tail.length;
    this.endsWithDotCr = false;
    this.pendingFromEnd = 0;
    for (let i = buf.indexOf(DOT, from); i !== -1; i = buf.indexOf(DOT, i + 1)) {
      const found = this.check(buf, i, this.before + i === 0);
      if (found === 'more') {
        this.pendingFromEnd = buf.length - i;
        this.endsWithDotCr = buf[buf.length - 1] === CR;
        break;
      }
      if (found) return found;
    }
    // Four bytes: a pending ".\r" at the end needs the two before it (CR LF) to be judged.
    const keep = Math.min(4, buf.length);
    this.before += buf.length - keep;
    this.tail = Buffer.from(buf.subarray(buf.length - keep));
    return undefined;
  }

  private check(buf: Buffer, i: number, streamStart: boolean): BareEnding | 'more' | undefined {
    let left: 'start' | 'crlf' | 'lf' | 'cr';
    if (streamStart) left = 'start';
    else if (i === 0) return undefined;
    else if (buf[i - 1] === LF) left = i >= 2 && buf[i - 2] === CR ? 'crlf' : 'lf';
    else if (buf[i - 1] === CR) left = 'cr';
    else return undefined;
    const next = buf[i + 1];
    if (next === undefined) return 'more';
    let right: 'crlf' | 'lf' | 'cr';
    if (next === LF) right = 'lf';
    else if (next === CR) {
      const after = buf[i + 2];
      if (after === undefined) return 'more';
      right = after === LF ? 'crlf' : 'cr';
    } else return undefined;
    if (right === 'crlf' && (left === 'crlf' || left === 'start')) return undefined;
    return left === 'cr' || right === 'cr' ? 'CR' : 'LF';
  }
}

/** Destroys the data stream of a message whose data ended with a bare LF or CR. */
export class BareDataEndError extends Error {
  constructor(readonly ending: BareEnding) {
    super(`bare ${ending} at the end of data`);
    this.name = 'BareDataEndError';
  }
}

/**
 * Watch what the client sends on `socket` (the plain socket, or the TLS socket after
 * STARTTLS: smtp-server's `onSecure` hands it over) beside smtp-server's own parser:
 *  - in DATA, the raw (still dot-stuffed) bytes go through a BareDataEndScanner; on a bare
 *    end the message's data stream is destroyed with a BareDataEndError, which the listener
 *    answers with 550 5.5.2 (a "." line in the raw data can only be a terminator: content
 *    dots are stuffed);
 *  - in command mode, a chunk that ends in a bare CR followed by silence is answered with
 *    500 5.5.2 and the connection closed.
 */
export function watchLineEnds(server: SMTPServer, socket: Socket, onBareCr: (remoteAddress: string) => void): void {
  let timer: NodeJS.Timeout | undefined;
  let connection: SMTPConnection | undefined;
  let data: { stream: object; scanner: BareDataEndScanner } | undefined;
  const find = (): SMTPConnection | undefined => (connection ??= [...server.connections].find((c) => c._socket === socket));
  socket.on('data', (chunk: Buffer) => {
    clearTimeout(timer);
    timer = undefined;
    const c = find();
    // After STARTTLS this (plain) socket carries TLS records: the TLS socket is watched instead.
    if (!c || c._socket !== socket || c._upgrading) return;
    const stream = c._dataStream;
    if (stream) {
      if (data?.stream !== stream) data = { stream, scanner: new BareDataEndScanner() };
      const { scanner } = data;
      const ending = scanner.feed(chunk);
      if (ending) stream.destroy(new BareDataEndError(ending));
      else if (scanner.endsWithDotCr) {
        timer = setTimeout(() => {
          if (c._dataStream === stream && scanner.endsWithDotCr) stream.destroy(new BareDataEndError('CR'));
        }, BARE_CR_WAIT_MS);
        timer.unref();
      }
      return;
    }
    data = undefined;
    if (chunk[chunk.length - 1] !== CR) return;
    timer = setTimeout(() => {
      if (c._dataStream || c._closing || c._socket !== socket) return;
      c.send(500, BARE_CR_COMMAND_TEXT);
      c.close();
      onBareCr(socket.remoteAddress ?? '');
    }, BARE_CR_WAIT_MS);
    timer.unref();
  });
  socket.once('close', () => clearTimeout(timer));
}
