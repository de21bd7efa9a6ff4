// SMTP clients with broken line ends (issue 9): bare LF, bare CR and mixed endings each get a
// defined answer within seconds, never a silent time-out, and the listener keeps serving.
import { afterEach, describe, expect, it } from 'vitest';
import type { Inbound } from '../../../src/core/model.js';
import { runSwaks } from '../../../test/helpers/email-swaks.js';
import { rawSmtp, type RawSmtpClient } from '../../../test/helpers/smtp-raw-client.js';
import { startEmailBridge, unique, type EmailHarness } from './support.js';

type Msg = Extract<Inbound, { kind: 'message' }>;
const messages = (h: EmailHarness): Msg[] => h.t.inbound().filter((e): e is Msg => e.kind === 'message');

let h: EmailHarness | undefined;
const clients: RawSmtpClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await h?.close();
  h = undefined;
});

async function setup(): Promise<{ h: EmailHarness; rcpt: string }> {
  const local = unique('le');
  h = await startEmailBridge({ users: [`${local}@example.org`] });
  return { h, rcpt: `${local}@mail.example.org` };
}

async function open(port: number): Promise<RawSmtpClient> {
  const c = await rawSmtp(port);
  clients.push(c);
  expect((await c.reply()).code).toBe(220);
  return c;
}

/** Send one command with the given line end and return the reply. */
async function command(c: RawSmtpClient, line: string, eol: string): Promise<number> {
  c.write(line + eol);
  return (await c.reply()).code;
}

/** The listener still takes a normal mail afterwards (the next sender is not disturbed). */
async function stillServing(h: EmailHarness, rcpt: string): Promise<void> {
  const body = unique('next');
  const r = await runSwaks(h.smtpPort, ['--from', 'next@example.com', '--to', rcpt, '--body', body]);
  expect(r.code, r.output).toBe(0);
  expect(messages(h).map((m) => m.body)).toContain(body);
}

describe('SMTP line endings', () => {
  it('answers a bare-LF client at its LF.LF end of data with 550 5.5.2 and closes, delivering nothing', async () => {
    const { h, rcpt } = await setup();
    const c = await open(h.smtpPort);
    expect(await command(c, 'EHLO bare.example', '\n')).toBe(250);
    expect(await command(c, 'MAIL FROM:<lf@example.com>', '\n')).toBe(250);
    expect(await command(c, `RCPT TO:<${rcpt}>`, '\n')).toBe(250);
    expect(await command(c, 'DATA', '\n')).toBe(354);
    c.write('Subject: bare\n\nline one\nline two\n.\n');
    const answer = await c.reply();
    expect(answer.code).toBe(550);
    expect(answer.text).toMatch(/5\.5\.2 .*bare <LF>.*<CR><LF>\.<CR><LF>/);
    await c.closed();
    expect(messages(h)).toHaveLength(0);
    await stillServing(h, rcpt);
  });

  it('refuses the LF.LF sequence even with more commands pipelined behind it (no SMTP smuggling)', async () => {
    const { h, rcpt } = await setup();
    const c = await open(h.smtpPort);
    c.write(`EHLO smuggler.example\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<${rcpt}>\r\nDATA\r\n`);
    expect((await c.reply()).code).toBe(250);
    expect((await c.reply()).code).toBe(250);
    expect((await c.reply()).code).toBe(250);
    expect((await c.reply()).code).toBe(354);
    c.write(`Subject: first\r\n\r\nfirst\r\n\n.\nMAIL FROM:<spoof@example.com>\r\nRCPT TO:<${rcpt}>\r\nDATA\r\nSubject: smuggled\r\n\r\nsmuggled\r\n.\r\n`);
    expect((await c.reply()).code).toBe(550);
    await c.closed();
    expect(messages(h)).toHaveLength(0);
  });

  for (const [name, terminator] of [
    ['CRLF then LF', '\r\n.\n'],
    ['LF then CRLF', 'x\n.\r\n'],
    ['bare CR', '\r.\r'],
    ['CRLF then bare CR', '\r\n.\rQUIT\r\n'],
  ] as const) {
    it(`answers a mixed end of data (${name}) with 550 and closes`, async () => {
      const { h, rcpt } = await setup();
      const c = await open(h.smtpPort);
      expect(await command(c, 'EHLO mixed.example', '\r\n')).toBe(250);
      expect(await command(c, 'MAIL FROM:<mixed@example.com>', '\r\n')).toBe(250);
      expect(await command(c, `RCPT TO:<${rcpt}>`, '\r\n')).toBe(250);
      expect(await command(c, 'DATA', '\r\n')).toBe(354);
      c.write(`Subject: mixed\r\n\r\nbody${terminator}`);
      expect((await c.reply()).code).toBe(550);
      await c.closed();
      expect(messages(h)).toHaveLength(0);
      await stillServing(h, rcpt);
    });
  }

  it('accepts bare-LF commands and content lines when the data ends with CRLF.CRLF, and delivers the mail', async () => {
    const { h, rcpt } = await setup();
    const c = await open(h.smtpPort);
    expect(await command(c, 'EHLO lf.example', '\n')).toBe(250);
    expect(await command(c, 'MAIL FROM:<lf@example.com>', '\n')).toBe(250);
    expect(await command(c, `RCPT TO:<${rcpt}>`, '\r\n')).toBe(250);
    expect(await command(c, 'DATA', '\n')).toBe(354);
    c.write('Subject: normalised\n\nfirst line\nsecond line\r\n.\r\n');
    expect((await c.reply()).code).toBe(250);
    expect(await command(c, 'QUIT', '\n')).toBe(221);
    expect(messages(h)).toHaveLength(1);
    expect(messages(h)[0]).toMatchObject({ body: 'first line\nsecond line', subject: 'normalised' });
  });

  it('answers a command ended by a bare CR with 500 5.5.2 and closes', async () => {
    const { h, rcpt } = await setup();
    const c = await open(h.smtpPort);
    c.write('EHLO cr.example\r');
    const answer = await c.reply();
    expect(answer.code).toBe(500);
    expect(answer.text).toMatch(/5\.5\.2 .*bare <CR>/);
    await c.closed();
    await stillServing(h, rcpt);
  });

  it('answers a bare CR after a correct command too (mixed endings within a session)', async () => {
    const { h } = await setup();
    const c = await open(h.smtpPort);
    expect(await command(c, 'EHLO mixed.example', '\r\n')).toBe(250);
    c.write('MAIL FROM:<cr@example.com>\r');
    expect((await c.reply()).code).toBe(500);
    await c.closed();
  });
});
