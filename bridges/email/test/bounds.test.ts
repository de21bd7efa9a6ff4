// Bounds on one inbound mail (issue 9), through the bridge's real SMTP listener: attachment bytes
// kept per mail and the text delivered are capped, and the user gets a notice, not silence.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Inbound } from '../../../src/core/model.js';
import { sendRawMail } from '../../../test/helpers/smtp-raw-client.js';
import { startEmailBridge, unique, type EmailHarness } from './support.js';

type Msg = Extract<Inbound, { kind: 'message' }>;
const messages = (h: EmailHarness): Msg[] => h.t.inbound().filter((e): e is Msg => e.kind === 'message');

let h: EmailHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function setup(options: Record<string, unknown>): Promise<{ h: EmailHarness; rcpt: string }> {
  const local = unique('b');
  h = await startEmailBridge({ users: [`${local}@example.org`], options });
  return { h, rcpt: `${local}@mail.example.org` };
}

const attachment = (name: string, bytes: number) =>
  `--m\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename="${name}"\r\nContent-Transfer-Encoding: base64\r\n\r\n${Buffer.alloc(bytes, 7).toString('base64')}\r\n`;

describe('email bounds per mail', () => {
  it('stores attachments up to attachments.max_total_bytes and names the rest', async () => {
    const { h, rcpt } = await setup({ attachments: { dir: mkdtempSync(join(tmpdir(), 'sb-bounds-')), max_total_bytes: 1500 } });
    const data = `Subject: files\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="m"\r\n\r\n--m\r\nContent-Type: text/plain\r\n\r\nthree files\r\n${attachment('a.bin', 1000)}${attachment('b.bin', 1000)}${attachment('c.bin', 400)}--m--`;
    expect((await sendRawMail(h.smtpPort, { from: 'carol@example.com', to: rcpt, data })).code).toBe(250);
    const got = messages(h).map((m) => m.body);
    expect(got[0]).toBe('three files');
    expect(got[1]).toMatch(/^https:\/\/gw\.example\.org\/email\/files\/[0-9a-f]{32}\/a\.bin$/);
    expect(got[2]).toBe("[attachment b.bin (1000 bytes) not offered: the mail's attachments exceed 1500 bytes]");
    expect(got[3]).toMatch(/\/c\.bin$/);
  });

  it('cuts the text at mime.max_text_chars with a notice saying how much was left out', async () => {
    const { h, rcpt } = await setup({ mime: { max_text_chars: 100 } });
    const text = `${'é'.repeat(99)}😀${'z'.repeat(50)}`;
    const data = `Subject: long\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n${Buffer.from(text).toString('base64')}`;
    expect((await sendRawMail(h.smtpPort, { from: 'carol@example.com', to: rcpt, data })).code).toBe(250);
    expect(messages(h)[0]!.body).toBe(`${'é'.repeat(99)}😀\n[… 50 more characters not shown: the gateway delivers at most 100 per mail]`);
  });
});
