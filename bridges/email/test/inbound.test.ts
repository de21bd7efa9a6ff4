import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Inbound } from '../../../src/core/model.js';
import { requireBinary } from '../../../test/helpers/binaries.js';
import { emailFixtureFile, runSwaks } from '../../../test/helpers/email-swaks.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { startEmailBridge, unique, type EmailHarness } from './support.js';

type Msg = Extract<Inbound, { kind: 'message' }>;
const messages = (h: EmailHarness): Msg[] => h.t.inbound().filter((e): e is Msg => e.kind === 'message');

let h: EmailHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function setup(options: Record<string, unknown> = {}): Promise<{ h: EmailHarness; user: string; rcpt: string }> {
  const local = unique('u');
  const user = `${local}@example.org`;
  h = await startEmailBridge({ users: [user], options });
  return { h, user, rcpt: `${local}@mail.example.org` };
}

describe('email inbound over SMTP', () => {
  it('delivers a plain mail to the user from the sender contact JID after the 250', async () => {
    const { h, user, rcpt } = await setup();
    const mid = `${unique('m')}@example.com`;
    const r = await runSwaks(h.smtpPort, ['--from', 'carol@example.com', '--to', rcpt, '--header', `Message-Id: <${mid}>`, '--header', 'Subject: Hello', '--body', 'Hi there']);
    expect(r.code, r.output).toBe(0);
    // Committed before the 250: no waiting needed.
    const got = messages(h);
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ user, from: 'carol\\40example.com', type: 'chat', body: 'Hi there', subject: 'Hello' });
    expect(got[0]!.thread).toMatch(/^[0-9a-f]{32}$/);
  });

  it('refuses an unknown recipient at RCPT with 550 5.1.1 (swaks exit 24)', async () => {
    const { h } = await setup();
    const r = await runSwaks(h.smtpPort, ['--from', 'carol@example.com', '--to', 'nobody-here@mail.example.org', '--body', 'x']);
    expect(r.code).toBe(24);
    expect(r.output).toMatch(/550 5\.1\.1/);
    expect(h.t.inbound()).toHaveLength(0);
  });

  it('refuses to relay to another domain (never an open relay)', async () => {
    const { h } = await setup();
    const r = await runSwaks(h.smtpPort, ['--from', 'carol@example.com', '--to', 'victim@elsewhere.example.net', '--body', 'spam']);
    expect(r.code).toBe(24);
    expect(r.output).toMatch(/<\*\* 550 5\.1\.1/);
  });

  it('refuses a recipient whose user is not allowed to use the bridge', async () => {
    const { h } = await setup();
    const r = await runSwaks(h.smtpPort, ['--from', 'carol@example.com', '--to', 'stranger@mail.example.org', '--body', 'x']);
    expect(r.code).toBe(24);
  });

  it('does not offer AUTH', async () => {
    const { h, rcpt } = await setup();
    const r = await runSwaks(h.smtpPort, ['--from', 'carol@example.com', '--to', rcpt, '--quit-after', 'EHLO']);
    expect(r.output).not.toMatch(/250[ -]AUTH/);
  });

  it('offers STARTTLS with the configured certificate and takes mail over it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-email-tls-'));
    const [cert, key] = [join(dir, 'mx.crt'), join(dir, 'mx.key')];
    execFileSync(requireBinary('openssl', 'openssl'), ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=mx.test'], { stdio: 'ignore' });
    const { h, rcpt } = await setup({ smtp: { host: '127.0.0.1', port: 0, tls: { cert, key } } });
    const r = await runSwaks(h.smtpPort, ['--tls', '--from', 'carol@example.com', '--to', rcpt, '--body', 'over TLS']);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(/TLS started/);
    expect(r.output).not.toMatch(/250[ -]AUTH/);
    expect(messages(h)[0]!.body).toBe('over TLS');
  });

  it('answers an oversized message with 552', async () => {
    const { h, rcpt } = await setup({ smtp: { host: '127.0.0.1', port: 0, max_size_bytes: 2048 } });
    const r = await runSwaks(h.smtpPort, ['--from', 'carol@example.com', '--to', rcpt, '--body', 'x'.repeat(5000)]);
    expect(r.code).toBe(26);
    expect(r.output).toMatch(/<\*\* 552/);
    expect(h.t.inbound()).toHaveLength(0);
  });

  it('delivers the same Message-ID twice as one message', async () => {
    const { h, rcpt } = await setup();
    const mid = `${unique('dup')}@example.com`;
    for (let i = 0; i < 2; i++) {
      const r = await runSwaks(h.smtpPort, ['--from', 'carol@example.com', '--to', rcpt, '--header', `Message-Id: <${mid}>`, '--body', 'once']);
      expect(r.code).toBe(0);
    }
    expect(messages(h)).toHaveLength(1);
  });

  it('answers 451 when the store cannot commit, so the sender retries (swaks exit 26)', async () => {
    const s = await setup();
    s.h.t.store.close();
    const r = await runSwaks(s.h.smtpPort, ['--from', 'carol@example.com', '--to', s.rcpt, '--body', 'keep me']);
    expect(r.code).toBe(26);
    expect(r.output).toMatch(/<\*\* 451/);
  });

  it('decodes dot-stuffing: a line starting with a dot arrives with one dot', async () => {
    const { h, rcpt } = await setup();
    const r = await runSwaks(h.smtpPort, ['--from', 'carol@example.com', '--to', rcpt, '--body', 'first\n.hidden line\n..two dots']);
    expect(r.code).toBe(0);
    expect(messages(h)[0]!.body).toBe('first\n.hidden line\n..two dots');
  });

  it('decodes an 8-bit UTF-8 body and an RFC 2047 subject', async () => {
    const { h, rcpt } = await setup();
    const file = emailFixtureFile('utf8-rfc2047.eml', { FROM: 'carol@example.com', TO: rcpt, MSGID: `${unique('u8')}@example.com` });
    const r = await runSwaks(h.smtpPort, ['--from', 'carol@example.com', '--to', rcpt, '--data', file]);
    expect(r.code, r.output).toBe(0);
    expect(messages(h)[0]).toMatchObject({ body: 'Grüße aus Zürich — 日本語もOK ✈', subject: 'Échange à München ✈' });
  });

  it('converts an HTML-only mail to text', async () => {
    const { h, rcpt } = await setup();
    const file = emailFixtureFile('html-only.eml', { FROM: 'carol@example.com', TO: rcpt, MSGID: `${unique('h')}@example.com` });
    expect((await runSwaks(h.smtpPort, ['--from', 'carol@example.com', '--to', rcpt, '--data', file])).code).toBe(0);
    const body = messages(h)[0]!.body;
    expect(body).toContain('HELLO');
    expect(body).toContain('This is bold news.');
    expect(body).not.toContain('<');
  });

  for (const [client, fixture, expected] of [
    ['Gmail', 'gmail-reply.eml', 'Sounds good, see you at noon!'],
    ['Outlook', 'outlook-reply.eml', 'Works for me.\n\nCarol'],
    ['Thunderbird', 'thunderbird-reply.eml', 'Yes, the usual place.'],
    ['Apple Mail', 'apple-mail-reply.eml', 'Perfect 👍'],
  ] as const) {
    it(`delivers only the new text of a ${client} reply`, async () => {
      const { h, rcpt } = await setup();
      const file = emailFixtureFile(fixture, { FROM: 'carol@example.com', TO: rcpt, MSGID: `${unique('r')}@example.com`, PARENT: `${unique('p')}@mail.example.org` });
      const r = await runSwaks(h.smtpPort, ['--from', 'carol@example.com', '--to', rcpt, '--data', file]);
      expect(r.code, r.output).toBe(0);
      expect(messages(h)[0]!.body).toBe(expected);
    });
  }

  it('stores an attachment and offers it as an OOB link served over HTTP', async () => {
    const { h, rcpt } = await setup();
    const file = emailFixtureFile('attachment.eml', { FROM: 'carol@example.com', TO: rcpt, MSGID: `${unique('a')}@example.com` });
    expect((await runSwaks(h.smtpPort, ['--from', 'carol@example.com', '--to', rcpt, '--data', file])).code).toBe(0);
    const got = messages(h);
    expect(got).toHaveLength(2);
    expect(got[0]).toMatchObject({ body: 'Here is the report.', subject: 'The report' });
    const link = got[1]!;
    expect(link.oob).toHaveLength(1);
    expect(link.body).toBe(link.oob![0]!.url);
    expect(link.oob![0]!.desc).toBe('report.txt');
    expect(link.thread).toBe(got[0]!.thread);
    const m = /^https:\/\/gw\.example\.org\/email\/files\/([0-9a-f]{32})\/report\.txt$/.exec(link.body);
    expect(m).not.toBeNull();
    const res = await fetch(`${h.t.baseUrl}/email/files/${m![1]}/report.txt`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('Quarterly figures: 42');
    // A guessed token finds nothing, and there is no listing.
    expect((await fetch(`${h.t.baseUrl}/email/files/${'0'.repeat(32)}/report.txt`)).status).toBe(404);
    expect((await fetch(`${h.t.baseUrl}/email/files/`)).status).toBe(404);
  });

  it('stores an attachment of a retransmitted mail once, under the same URL', async () => {
    const { h, rcpt } = await setup();
    const file = emailFixtureFile('attachment.eml', { FROM: 'carol@example.com', TO: rcpt, MSGID: `${unique('a2')}@example.com` });
    for (let i = 0; i < 2; i++) expect((await runSwaks(h.smtpPort, ['--from', 'carol@example.com', '--to', rcpt, '--data', file])).code).toBe(0);
    expect(messages(h)).toHaveLength(2);
    expect(readdirSync(h.config.attachments.dir)).toHaveLength(2); // the file and its metadata
  });

  it('puts a reply chain A → B → C in one thread with the subject only on the first', async () => {
    const { h, rcpt } = await setup();
    const [a, b, c] = [unique('a'), unique('b'), unique('c')].map((x) => `<${x}@example.com>`);
    const send = (args: string[]) => runSwaks(h.smtpPort, ['--from', 'carol@example.com', '--to', rcpt, ...args]);
    expect((await send(['--header', `Message-Id: ${a}`, '--header', 'Subject: Plans', '--body', 'A'])).code).toBe(0);
    expect((await send(['--header', `Message-Id: ${b}`, '--header', `In-Reply-To: ${a}`, '--header', 'Subject: Re: Plans', '--body', 'B'])).code).toBe(0);
    expect((await send(['--header', `Message-Id: ${c}`, '--header', `References: ${a} ${b}`, '--header', 'Subject: Re: Plans', '--body', 'C'])).code).toBe(0);
    const got = messages(h);
    expect(got.map((m) => m.body)).toEqual(['A', 'B', 'C']);
    expect(new Set(got.map((m) => m.thread)).size).toBe(1);
    expect(got.map((m) => m.subject)).toEqual(['Plans', undefined, undefined]);
  });

  it('refuses more messages per minute from one address than allowed with 450 4.7.1', async () => {
    const { h, rcpt } = await setup({ smtp: { host: '127.0.0.1', port: 0, max_messages_per_minute_per_ip: 1 } });
    expect((await runSwaks(h.smtpPort, ['--from', 'carol@example.com', '--to', rcpt, '--body', '1'])).code).toBe(0);
    const r = await runSwaks(h.smtpPort, ['--from', 'carol@example.com', '--to', rcpt, '--body', '2']);
    expect(r.code).toBe(23);
    expect(r.output).toMatch(/450 4\.7\.1/);
    await waitFor(() => messages(h).length === 1, 'one message');
  });

  it('answers 421 to more simultaneous connections from one address than allowed', async () => {
    const { h } = await setup({ smtp: { host: '127.0.0.1', port: 0, max_connections_per_ip: 2 } });
    const greet = () =>
      new Promise<{ line: string; close(): void }>((resolve, reject) => {
        const socket = connect({ host: '127.0.0.1', port: h.smtpPort });
        socket.setEncoding('utf8');
        socket.once('data', (line: string) => resolve({ line, close: () => socket.destroy() }));
        socket.once('error', reject);
      });
    const open = [await greet(), await greet()];
    const third = await greet();
    expect(open.map((c) => c.line.slice(0, 3))).toEqual(['220', '220']);
    expect(third.line).toMatch(/^421/);
    for (const c of [...open, third]) c.close();
    // Closed connections no longer count.
    await waitFor(async () => {
      const again = await greet();
      again.close();
      return again.line.startsWith('220');
    }, 'a new connection accepted once the others closed');
  });
});
