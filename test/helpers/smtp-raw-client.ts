/**
 * A raw TCP SMTP client for hostile-client tests: it writes exactly the bytes a test gives it
 * (bare LF, bare CR, mixed line ends, control characters) and collects the server's replies,
 * which `reply()` awaits one by one. Unlike swaks it never fixes what it sends.
 */
import { connect, type Socket } from 'node:net';

export interface SmtpReplyLine {
  code: number;
  /** The whole reply, continuation lines joined with '\n'. */
  text: string;
}

export interface RawSmtpClient {
  /** Write raw bytes (no line end is added). */
  write(data: string | Buffer): void;
  /** The next complete reply (a line `NNN text`, after any `NNN-` lines), or a timeout error. */
  reply(timeoutMs?: number): Promise<SmtpReplyLine>;
  /** Resolves when the server has closed the connection. */
  closed(timeoutMs?: number): Promise<void>;
  isClosed(): boolean;
  destroy(): void;
}

export async function rawSmtp(port: number, host = '127.0.0.1'): Promise<RawSmtpClient> {
  const socket: Socket = connect({ host, port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let buffer = '';
  let ended = false;
  const replies: SmtpReplyLine[] = [];
  const waiters: Array<() => void> = [];
  const wake = () => waiters.splice(0).forEach((w) => w());
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    // Replies always end in CRLF (RFC 5321 §4.2); a multi-line reply ends at its `NNN ` line.
    for (;;) {
      const m = /^((?:\d{3}-[^\r\n]*\r\n)*)(\d{3})(?: ([^\r\n]*))?\r\n/.exec(buffer);
      if (!m) break;
      buffer = buffer.slice(m[0].length);
      replies.push({ code: Number(m[2]), text: m[0].trimEnd().replace(/\r\n/g, '\n') });
    }
    wake();
  });
  const onEnd = () => {
    ended = true;
    wake();
  };
  socket.on('end', onEnd);
  socket.on('close', onEnd);
  socket.on('error', onEnd);

  const until = async <T>(take: () => T | undefined, what: string, timeoutMs: number): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const got = take();
      if (got !== undefined) return got;
      if (ended && what === 'a reply') throw new Error(`connection closed before ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  };

  return {
    write: (data) => void socket.write(data),
    reply: (timeoutMs = 5000) => until(() => replies.shift(), 'a reply', timeoutMs),
    closed: (timeoutMs = 5000) => until(() => (ended ? true : undefined), 'the server to close the connection', timeoutMs).then(() => undefined),
    isClosed: () => ended,
    destroy: () => socket.destroy(),
  };
}

/**
 * One whole SMTP transaction with correct CRLF line ends, `data` sent as it is (already
 * dot-stuffed and CRLF-ended by the caller; `\r\n.\r\n` is appended). Returns the reply to
 * MAIL, RCPT or the end of data, whichever was the first refusal, else the final one.
 */
export async function sendRawMail(port: number, o: { from: string; to: string; data: string | Buffer; timeoutMs?: number }): Promise<SmtpReplyLine> {
  const c = await rawSmtp(port);
  try {
    const t = o.timeoutMs ?? 20_000;
    await c.reply(t);
    for (const line of ['EHLO raw.example', `MAIL FROM:<${o.from}>`, `RCPT TO:<${o.to}>`, 'DATA']) {
      c.write(`${line}\r\n`);
      const r = await c.reply(t);
      if (r.code >= 400) return r;
    }
    c.write(o.data);
    c.write('\r\n.\r\n');
    const final = await c.reply(t);
    c.write('QUIT\r\n');
    return final;
  } finally {
    c.destroy();
  }
}
