import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dkimSign, dkimVerify } from 'mailauth';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Inbound } from '../../../src/core/model.js';
import { startSmtpSink, type SmtpSink } from '../../../test/helpers/email-smtp-sink.js';
import { runSwaks } from '../../../test/helpers/email-swaks.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { fakeResolver, startEmailBridge, unique, type EmailHarness } from './support.js';

type Msg = Extract<Inbound, { kind: 'message' }>;

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const publicB64 = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');

// Test DNS: example.com publishes the DKIM key and DMARC p=reject; no SPF anywhere.
const records = {
  'TXT sel._domainkey.example.com': [`v=DKIM1; k=rsa; p=${publicB64}`],
  'TXT _dmarc.example.com': ['v=DMARC1; p=reject'],
  'TXT gw._domainkey.mail.example.org': [`v=DKIM1; k=rsa; p=${publicB64}`],
};

let h: EmailHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function signedMail(rcpt: string, body: string): Promise<string> {
  const message = [
    'From: Carol <carol@example.com>',
    `To: ${rcpt}`,
    'Subject: Signed',
    `Message-ID: <${unique('s')}@example.com>`,
    'Date: Mon, 8 Jan 2024 10:00:00 +0000',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    body,
    '',
  ].join('\r\n');
  const { signatures } = await dkimSign(message, {
    signingDomain: 'example.com',
    selector: 'sel',
    privateKey: privatePem,
    signatureData: [{ signingDomain: 'example.com', selector: 'sel', privateKey: privatePem, canonicalization: 'relaxed/relaxed' }],
  });
  return `${signatures.trimEnd()}\r\n${message}`;
}

function dataFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'sb-email-dkim-')), 'mail.eml');
  writeFileSync(file, text);
  return file;
}

async function setup(options: Record<string, unknown> = {}) {
  const local = unique('k');
  h = await startEmailBridge({ users: [`${local}@example.org`], resolver: fakeResolver(records), options });
  return { h, rcpt: `${local}@mail.example.org` };
}

const bodies = (h: EmailHarness) => h.t.inbound().filter((e): e is Msg => e.kind === 'message').map((m) => m.body);

describe('sender authenticity (DKIM, SPF, DMARC) with a test resolver', () => {
  it('shows a DKIM-signed mail that passes DMARC without a marker', async () => {
    const { h, rcpt } = await setup();
    const r = await runSwaks(h.smtpPort, ['--from', 'carol@example.com', '--to', rcpt, '--data', dataFile(await signedMail(rcpt, 'genuine'))]);
    expect(r.code, r.output).toBe(0);
    expect(bodies(h)).toEqual(['genuine']);
  });

  it('marks a mail whose DKIM signature fails DMARC', async () => {
    const { h, rcpt } = await setup();
    const tampered = (await signedMail(rcpt, 'original text')).replace('original text', 'forged text');
    const r = await runSwaks(h.smtpPort, ['--from', 'carol@example.com', '--to', rcpt, '--data', dataFile(tampered)]);
    expect(r.code, r.output).toBe(0);
    expect(bodies(h)).toEqual(['[unverified sender] forged text']);
  });

  it('marks an unsigned mail from a domain without DMARC', async () => {
    const { h, rcpt } = await setup();
    const r = await runSwaks(h.smtpPort, ['--from', 'x@nodmarc.example.net', '--to', rcpt, '--header', 'From: x@nodmarc.example.net', '--body', 'hello']);
    expect(r.code, r.output).toBe(0);
    expect(bodies(h)).toEqual(['[unverified sender] hello']);
  });

  it('refuses failing mail with 550 5.7.1 when configured (swaks exit 26)', async () => {
    const { h, rcpt } = await setup({ authentication: { verify: true, refuse_failing: true } });
    const tampered = (await signedMail(rcpt, 'original text')).replace('original text', 'forged text');
    const r = await runSwaks(h.smtpPort, ['--from', 'carol@example.com', '--to', rcpt, '--data', dataFile(tampered)]);
    expect(r.code).toBe(26);
    expect(r.output).toMatch(/<\*\* 550 5\.7\.1/);
    expect(h.t.inbound()).toHaveLength(0);
  });
});

describe('outbound DKIM signing', () => {
  let sink: SmtpSink;
  beforeAll(async () => {
    sink = await startSmtpSink();
  });
  afterAll(async () => {
    await sink.dispose();
  });

  it('signs outbound mail so that a verifier finds the key in DNS', async () => {
    const local = unique('d');
    const user = `${local}@example.org`;
    h = await startEmailBridge({
      users: [user],
      options: {
        relay: { host: '127.0.0.1', port: sink.port, timeout_ms: 2000 },
        dkim: { domain: 'mail.example.org', selector: 'gw', private_key: privatePem },
      },
    });
    const rcpt = `${unique('v')}@example.com`;
    await h.bridge.send({ kind: 'message', type: 'chat', user, to: rcpt.replace('@', '\\40'), body: 'signed by the gateway', receiptRequested: false });
    const mail = await waitFor(async () => (await sink.messages()).find((m) => m.rcptTo.includes(rcpt)), 'the signed mail');
    const raw = mail.raw.replace(/^X-Sink-[^\r\n]*\r?\n/gm, '');
    const result = await dkimVerify(Buffer.from(raw), { resolver: fakeResolver(records) });
    expect(result.results.map((r) => [r.signingDomain, r.status.result])).toEqual([['mail.example.org', 'pass']]);
  });
});
