/**
 * A real SMTP server for the email bridge's outbound tests: python3-aiosmtpd with the handler
 * in test/fixtures/email/sink_handler.py (a Maildir sink whose answer can be switched to 451 or
 * 550). `stop()` then `start()` keeps the port, for "relay down, then up again" tests.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { simpleParser, type ParsedMail } from 'mailparser';
import { freePort } from './ports.js';
import { spawnServer, stopProcess, waitForPorts, type ServerProcess } from './server-process.js';

export type SinkMode = 'ok' | '451' | '550' | 'rcpt550';

export interface SinkMessage {
  raw: string;
  parsed: ParsedMail;
  mailFrom: string;
  rcptTo: string[];
}

export interface SmtpSink {
  port: number;
  dir: string;
  setMode(mode: SinkMode): void;
  /** Stored messages, oldest first. */
  messages(): Promise<SinkMessage[]>;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stop and remove the directory. */
  dispose(): Promise<void>;
}

const PYTHON = '/usr/bin/python3';

function fixturesDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [join(here, '../fixtures/email'), join(here, '../../../test/fixtures/email')]) {
    try {
      readdirSync(candidate);
      return candidate;
    } catch {
      // try the next one
    }
  }
  throw new Error('test/fixtures/email not found');
}

/** Fails (never skips) when aiosmtpd is missing, with the install line. */
export function requireAiosmtpd(): void {
  const probe = spawnSync(PYTHON, ['-c', 'import aiosmtpd'], { encoding: 'utf8' });
  if (probe.status !== 0) throw new Error('missing python3-aiosmtpd: install it with: apt-get install -y python3-aiosmtpd');
}

/**
 * Python's mailbox.Maildir names a message `<seconds>.M<microseconds>P<pid>Q<counter>.<host>`.
 * Sorting by the seconds alone left mails of the same second in readdir (hash) order.
 */
function deliveryOrder(name: string): number {
  const m = /^(\d+)\.M(\d+)/.exec(name);
  return m ? Number(m[1]) * 1e6 + Number(m[2]) : parseFloat(name) * 1e6;
}

/** The sink process's own counter: breaks ties within one microsecond. */
function maildirCounter(name: string): number {
  return Number(/Q(\d+)/.exec(name)?.[1] ?? 0);
}

export async function startSmtpSink(): Promise<SmtpSink> {
  requireAiosmtpd();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'sb-email-sink-'));
  let proc: ServerProcess | undefined;

  const sink: SmtpSink = {
    port,
    dir,
    setMode: (mode) => writeFileSync(join(dir, 'mode'), mode),
    async messages() {
      const out: Array<{ name: string; raw: string }> = [];
      for (const sub of ['new', 'cur']) {
        let names: string[] = [];
        try {
          names = readdirSync(join(dir, 'Maildir', sub));
        } catch {
          continue;
        }
        for (const name of names) out.push({ name, raw: readFileSync(join(dir, 'Maildir', sub, name), 'utf8') });
      }
      out.sort((a, b) => deliveryOrder(a.name) - deliveryOrder(b.name) || maildirCounter(a.name) - maildirCounter(b.name));
      return Promise.all(
        out.map(async ({ raw }) => {
          const parsed = await simpleParser(raw);
          const header = (name: string): string => {
            const value = parsed.headers.get(name);
            return typeof value === 'string' ? value : '';
          };
          return { raw, parsed, mailFrom: header('x-sink-mail-from'), rcptTo: header('x-sink-rcpt-to').split(',').filter(Boolean) };
        }),
      );
    },
    async start() {
      const p = spawnServer(PYTHON, ['-m', 'aiosmtpd', '-n', '-u', '-l', `127.0.0.1:${port}`, '-c', 'sink_handler.Handler', dir], {
        env: { ...process.env, PYTHONPATH: fixturesDir() },
      });
      proc = p;
      await waitForPorts(p, [port], 'aiosmtpd sink', () => p.output(), 10_000);
    },
    async stop() {
      if (proc) await stopProcess(proc, 2000);
      proc = undefined;
    },
    async dispose() {
      await sink.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await sink.start();
  return sink;
}
