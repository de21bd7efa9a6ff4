/**
 * The benches' SMTP client and mail (bench/email.ts, bench/lib/smtp-blast.ts, bench/email-profile.ts):
 * a minimal client with RFC 2920 pipelining (MAIL, RCPT and DATA in one write, then the text and
 * the final dot: two round trips per message, next to no client CPU). Node built-ins only, and no
 * worker bootstrap: a worker that imports it starts fast and exits when its job is done.
 */
import { connect } from 'node:net';

/** Where a client sends, and the label that tells one burst's Message-IDs from another's. */
export interface RawClientJob {
  port: number;
  label: string;
}

const USERS = 20;

/** The mail bench/email.ts has always sent: a short text with a quoted reply under it. */
export function benchMail(label: string, i: number, c: number, pid: number): string {
  return [
    `From: sender${c}@example.com`,
    `To: user${i % USERS}@mail.example.org`,
    `Subject: bench ${label} ${i}`,
    `Message-ID: <${label}-${i}-${pid}@example.com>`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    `message ${i} from client ${c}`,
    '',
    'On Monday someone wrote:',
    '> an old quote',
    '',
  ].join('\r\n');
}

/** One connection sending the mails `take()` hands it until it hands none. */
export async function rawClient(job: RawClientJob, c: number, take: () => number | undefined): Promise<void> {
  const socket = connect({ host: '127.0.0.1', port: job.port, noDelay: true });
  let buffer = '';
  let want = 0;
  let wake: ((lines: string[]) => void) | undefined;
  let got: string[] = [];
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf('\r\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 2);
      if (line[3] === '-') continue; // multi-line reply continues
      got.push(line);
      if (got.length === want && wake) {
        const w = wake;
        wake = undefined;
        const lines = got;
        got = [];
        w(lines);
      }
    }
  });
  const replies = (n: number, write?: string): Promise<string[]> =>
    new Promise((resolve) => {
      want = n;
      wake = resolve;
      if (write) socket.write(write);
    });
  await replies(1);
  await replies(1, `EHLO client${c}\r\n`);
  for (let i = take(); i !== undefined; i = take()) {
    const r = await replies(3, `MAIL FROM:<sender${c}@example.com>\r\nRCPT TO:<user${i % USERS}@mail.example.org>\r\nDATA\r\n`);
    if (!r[2]?.startsWith('354')) throw new Error(`SMTP refused: ${r.join(' | ')}`);
    const [done] = await replies(1, `${benchMail(job.label, i, c, process.pid)}.\r\n`);
    if (!done?.startsWith('250')) throw new Error(`SMTP refused the message: ${done}`);
  }
  await replies(1, 'QUIT\r\n');
  socket.destroy();
}

