// Hostile mail through the built gateway and a real Prosody and ejabberd (issue 9): what the XMPP
// user sees for control characters, broken data and broken MIME in every field, the bounds on
// size and parts, broken line ends, and risky text from XMPP to the relay. After each, the next
// normal mail arrives and the component never reconnected.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { xml } from '@xmpp/client';
import type { Element } from 'ltx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasInvalidXmlChars } from '../../../src/xmpp/xml-safe.js';
import { startEjabberd } from '../../../test/helpers/ejabberd.js';
import { startSmtpSink, type SmtpSink } from '../../../test/helpers/email-smtp-sink.js';
import { startGateway, type RunningGateway } from '../../../test/helpers/gateway.js';
import { freePort } from '../../../test/helpers/ports.js';
import { startProsody } from '../../../test/helpers/prosody.js';
import type { XmppServer, XmppServerOptions } from '../../../test/helpers/server-process.js';
import { rawSmtp, sendRawMail } from '../../../test/helpers/smtp-raw-client.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { connectClient, type TestClient } from '../../../test/helpers/xmpp-client.js';
import { unique } from './support.js';

const DOMAIN = 'mail.localhost';
const SECRET = 'email-hostile-secret';
const MAX_SIZE = 2 * 1024 * 1024;
const MAX_ATTACHMENTS = 5;

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');
const word = (s: string) => `=?UTF-8?B?${b64(s)}?=`;
/** Every C0 control, DEL, two C1 controls and the non-characters U+FFFE/U+FFFF. */
const HOSTILE = `a${Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)).join('')}b\u007f\u0085\u009fc\uFFFE\uFFFFd\u001b[31mred\u001b[0m`;

/** The gateway's resident memory, in MiB (design.md §10: VmRSS of the process itself). */
function rssMiB(pid: number | undefined): number {
  const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Math.round(Number(kb) / 102.4) / 10;
}

const servers: Array<[string, (opts: XmppServerOptions) => Promise<XmppServer>]> = [
  ['prosody', startProsody],
  ['ejabberd', startEjabberd],
];

describe.each(servers)('hostile mail end to end with %s', (_name, start) => {
  let server: XmppServer;
  let sink: SmtpSink;
  let smtpPort: number;
  let gw: RunningGateway;
  let alice: TestClient;
  const rcpt = 'alice@mail.example.org';

  beforeAll(async () => {
    sink = await startSmtpSink();
    smtpPort = await freePort();
    server = await start({ components: [{ domain: DOMAIN, secret: SECRET }], users: [{ username: 'alice', password: 'pw-alice' }] });
    gw = await startGateway({
      xmppPort: server.componentPort,
      access: { domains: [server.domain] },
      extra: { http: { host: '127.0.0.1', port: await freePort(), public_url: 'https://gw.example.org' } },
      bridges: {
        email: {
          domain: DOMAIN,
          component_secret: SECRET,
          options: {
            addresses: { pattern: '{local}@mail.example.org', user_domain: server.domain },
            smtp: { host: '127.0.0.1', port: smtpPort, max_size_bytes: MAX_SIZE },
            relay: { host: '127.0.0.1', port: sink.port, timeout_ms: 2000 },
            attachments: { dir: mkdtempSync(join(tmpdir(), 'sb-email-hostile-')) },
            mime: { max_attachments: MAX_ATTACHMENTS },
            authentication: { verify: false },
          },
        },
      },
    });
    alice = await connectClient(server, 'alice', 'pw-alice');
  }, 90_000);

  afterAll(async () => {
    await alice?.stop();
    await gw?.stop();
    await server?.stop();
    await sink?.dispose();
  });

  const from = (local: string) => `${local}\\40example.com@${DOMAIN}`;
  const bodies = (sender: string): string[] => alice.received.filter((s) => s.attrs.from === from(sender)).map((s) => s.getChildText('body') ?? '');
  /** The next normal mail still arrives, and the component stream was never re-opened. */
  const stillServing = async (figure?: string, rssBefore?: number) => {
    if (figure) console.log(JSON.stringify({ figure, server: _name, rssBeforeMiB: rssBefore, rssAfterMiB: rssMiB(gw.process.pid), reconnects: (gw.stdout().match(/"event":"reconnect"/g) ?? []).length }));
    const sender = unique('next');
    const text = unique('normal');
    expect((await sendRawMail(smtpPort, { from: `${sender}@example.com`, to: rcpt, data: `Subject: ok\r\n\r\n${text}` })).code).toBe(250);
    await alice.waitForStanza((s) => s.getChildText('body') === text, 'the next normal mail');
    expect(gw.stdout().match(/"event":"connecting"/g)).toHaveLength(1);
    for (const s of alice.received) expect(hasInvalidXmlChars(s.toString())).toBe(false);
  };
  const mail = (sender: string, headers: string[], body: string) =>
    [`From: ${word('Eve \u0007\u001b[1mEvil\u0085')} <${sender}@example.com>`, `To: ${rcpt}`, `Message-ID: <${unique('h')}@example.com>`, 'MIME-Version: 1.0', ...headers, '', body].join('\r\n');

  it('control characters and non-characters in body, subject, display name and attachment name', async () => {
    const sender = unique('ctl');
    const data = mail(sender, [`Subject: ${word(`Sub${HOSTILE}\u000bend`)}`, 'Content-Type: multipart/mixed; boundary="b1"'], [
      '--b1', 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: base64', '', b64(`${HOSTILE}\r\nline two\rline three`),
      '--b1', 'Content-Type: application/octet-stream', `Content-Disposition: attachment; filename*=UTF-8''..%2F..%2Fetc%2F%E2%80%AEfdp.exe%07%00`,
      'Content-Transfer-Encoding: base64', '', b64('payload'), '--b1--', '',
    ].join('\r\n'));
    expect((await sendRawMail(smtpPort, { from: `${sender}@example.com`, to: rcpt, data })).code).toBe(250);
    const text = await alice.waitForStanza((s) => s.attrs.from === from(sender) && s.getChild('subject') !== undefined, 'the mail');
    expect(text.getChildText('body')).toBe('a\t\n\nbc\uFFFD\uFFFDdred\nline two\nline three');
    expect(text.getChildText('subject')).toBe('Suba bc\uFFFD\uFFFDdredend');
    const link = await alice.waitForStanza((s) => s.attrs.from === from(sender) && s.getChild('x', 'jabber:x:oob') !== undefined, 'the attachment');
    expect(link.getChild('x', 'jabber:x:oob')?.getChildText('desc')).toBe('_.._etc_fdp.exe');
    await stillServing();
  });

  it('invalid UTF-8, an unknown charset and HTML character references', async () => {
    const sender = unique('enc');
    const invalid = Buffer.concat([Buffer.from('bad \xff\xfe bytes and a surrogate ', 'latin1'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from(' end')]);
    const data = Buffer.concat([
      Buffer.from(mail(sender, ['Subject: bytes', 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit'], '')),
      invalid,
    ]);
    expect((await sendRawMail(smtpPort, { from: `${sender}@example.com`, to: rcpt, data })).code).toBe(250);
    const got = await alice.waitForStanza((s) => s.attrs.from === from(sender), 'the invalid UTF-8 mail');
    expect(got.getChildText('body')).toMatch(/^bad \uFFFD+ bytes and a surrogate \uFFFD+ end$/);

    const bogus = unique('cs');
    expect((await sendRawMail(smtpPort, { from: `${bogus}@example.com`, to: rcpt, data: mail(bogus, ['Subject: cs', 'Content-Type: text/plain; charset=x-no-such-charset'], 'plain words') })).code).toBe(250);
    expect((await alice.waitForStanza((s) => s.attrs.from === from(bogus), 'the unknown-charset mail')).getChildText('body')).toBe('plain words');

    const html = unique('html');
    const markup = '<p>bell&#7;here nul&#0;here &#xFFFE;x &#x1b;[31mred</p>';
    expect((await sendRawMail(smtpPort, { from: `${html}@example.com`, to: rcpt, data: mail(html, ['Subject: html', 'Content-Type: text/html; charset=utf-8'], markup) })).code).toBe(250);
    const h = await alice.waitForStanza((s) => s.attrs.from === from(html), 'the HTML mail');
    expect(h.getChildText('body')).toBe('bellhere nul\uFFFDhere \uFFFDx red');
    await stillServing();
  });

  it('broken MIME: a multipart whose boundary never comes, and a part without headers', async () => {
    const sender = unique('mime');
    const data = mail(sender, ['Subject: broken', 'Content-Type: multipart/mixed; boundary="never"'], 'text before any boundary\r\n--other\r\nstill text');
    expect((await sendRawMail(smtpPort, { from: `${sender}@example.com`, to: rcpt, data })).code).toBe(250);
    await alice.waitForStanza((s) => s.attrs.from === from(sender), 'the broken MIME mail');
    for (const body of bodies(sender)) expect(hasInvalidXmlChars(body)).toBe(false);
    await stillServing();
  });

  it(`a mail with 3000 parts: the text, ${MAX_ATTACHMENTS} attachments and two notices`, { timeout: 60_000 }, async () => {
    const sender = unique('parts');
    const parts = Array.from({ length: 3000 }, (_, i) => `--p\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename="f${i}.bin"\r\n\r\nx${i}\r\n`).join('');
    const data = mail(sender, ['Subject: many', 'Content-Type: multipart/mixed; boundary="p"'], `--p\r\nContent-Type: text/plain\r\n\r\nmany parts\r\n${parts}--p--\r\n`);
    const started = Date.now();
    const before = rssMiB(gw.process.pid);
    expect((await sendRawMail(smtpPort, { from: `${sender}@example.com`, to: rcpt, data })).code).toBe(250);
    await alice.waitForStanza((s) => s.attrs.from === from(sender) && /MIME parts/.test(s.getChildText('body') ?? ''), 'the notices', 30_000);
    const got = bodies(sender);
    expect(got[0]).toBe('many parts');
    expect(got.filter((b) => b.startsWith('https://gw.example.org/email/files/'))).toHaveLength(MAX_ATTACHMENTS);
    expect(got.at(-2)).toMatch(new RegExp(`^\\[\\d+ more attachments not shown: the gateway offers at most ${MAX_ATTACHMENTS} per mail\\]$`));
    expect(got.at(-1)).toBe('[the mail has more than 1000 MIME parts: the rest of it is not shown]');
    expect(got).toHaveLength(1 + MAX_ATTACHMENTS + 2);
    console.log(JSON.stringify({ figure: 'email_3000_parts', server: _name, ms: Date.now() - started, stanzas: got.length, notice: got.at(-2) }));
    await stillServing('email_3000_parts_rss', before);
  });

  it('a mail over SIZE gets 552 and nothing is delivered; declared too large at MAIL, 552 at once', async () => {
    const sender = unique('big');
    const before = rssMiB(gw.process.pid);
    // Fifty times the limit (100 MiB): past it nothing is buffered, so memory does not follow the sender.
    const big = await sendRawMail(smtpPort, { from: `${sender}@example.com`, to: rcpt, data: mail(sender, ['Subject: big'], `${'x'.repeat(998)}\r\n`.repeat(50 * 2100)) });
    expect(big.code).toBe(552);
    expect(rssMiB(gw.process.pid) - before).toBeLessThan(80);
    const c = await rawSmtp(smtpPort);
    try {
      await c.reply();
      c.write('EHLO size.example\r\n');
      expect((await c.reply()).text).toContain(`SIZE ${MAX_SIZE}`);
      c.write(`MAIL FROM:<${sender}@example.com> SIZE=${MAX_SIZE + 1}\r\n`);
      expect((await c.reply()).code).toBe(552);
    } finally {
      c.destroy();
    }
    await stillServing();
    expect(bodies(sender)).toEqual([]);
    console.log(JSON.stringify({ figure: 'email_over_size_100MiB', server: _name, rssBeforeMiB: before, rssAfterMiB: rssMiB(gw.process.pid) }));
  });

  it('a bare-LF client gets 550 5.5.2 at its LF.LF, not a time-out', async () => {
    const c = await rawSmtp(smtpPort);
    try {
      for (const line of ['', 'EHLO lf.example\n', 'MAIL FROM:<lf@example.com>\n', `RCPT TO:<${rcpt}>\n`, 'DATA\n']) {
        if (line) c.write(line);
        expect((await c.reply()).code).toBeLessThan(400);
      }
      c.write('Subject: lf\n\nbare\n.\n');
      expect((await c.reply()).text).toMatch(/^550 5\.5\.2/);
      await c.closed();
    } finally {
      c.destroy();
    }
    await stillServing();
  });

  it('XMPP → mail: TAB, DEL, C1, U+FFFD, CR/LF in the subject, an over-long subject (cut at 255) and body (whole) get a defined mail', async () => {
    const contact = unique('rcv');
    const longSubject = `long ${'s'.repeat(1500)}`;
    const longBody = `${'word '.repeat(40_000)}end`;
    await alice.send(
      xml('message', { to: `${contact}\\40example.com@${DOMAIN}`, type: 'chat', id: unique('o') },
        xml('body', {}, 'tab\there del\u007f c1\u0085\u009f fffd\uFFFD'),
        xml('subject', {}, 'Hi\r\nBcc: victim@example.net\nX-Evil: 1')),
    );
    const sent = await waitFor(async () => (await sink.messages()).find((m) => m.rcptTo.includes(`${contact}@example.com`)), 'the mail in the sink', 15_000);
    expect(sent.rcptTo).toEqual([`${contact}@example.com`]);
    expect(sent.parsed.subject).toBe('Hi Bcc: victim@example.net X-Evil: 1');
    expect(sent.parsed.headers.has('bcc')).toBe(false);
    expect(sent.parsed.headers.has('x-evil')).toBe(false);
    expect(sent.parsed.text?.trim()).toBe('tab\there del c1 fffd\uFFFD');
    for (const line of sent.raw.split(/\r?\n/)) expect(line.length).toBeLessThanOrEqual(998);

    const other = unique('long');
    await alice.send(xml('message', { to: `${other}\\40example.com@${DOMAIN}`, type: 'chat', id: unique('o') }, xml('body', {}, longBody), xml('subject', {}, longSubject)));
    const long = await waitFor(async () => (await sink.messages()).find((m) => m.rcptTo.includes(`${other}@example.com`)), 'the long mail', 15_000);
    expect(long.parsed.subject).toBe(`${longSubject.slice(0, 254)}…`);
    expect(long.parsed.text?.trim()).toBe(longBody);
    for (const line of long.raw.split(/\r?\n/)) expect(line.length).toBeLessThanOrEqual(998);
    const errors = alice.received.filter((s: Element) => s.attrs.type === 'error');
    expect(errors).toEqual([]);
  });
});
