import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { parseDsn } from '../dsn.js';
import { buildDsn, decodeMailRef, encodeMailRef } from '../dsn-out.js';

const context = { recipient: 'ghost@mail.example.org', postmaster: 'postmaster@mail.example.org', mta: 'mx.test', reason: 'bounced: service-unavailable', now: new Date('2026-12-02T10:00:00Z') };

describe('the DSN for accepted mail the XMPP user never got', () => {
  it('is an RFC 3464 report that our own DSN parser reads back', async () => {
    const ref = decodeMailRef(encodeMailRef({ envelopeFrom: 'erin@example.com', messageId: '<m1@example.com>', subject: 'Grüße\r\nBcc: x@y', arrival: 'Wed, 02 Dec 2026 09:59:00 GMT' }));
    const dsn = buildDsn(ref!, context)!;
    expect(dsn.to).toBe('erin@example.com');
    const mail = await simpleParser(dsn.raw);
    expect(mail.from?.value[0]?.address).toBe('postmaster@mail.example.org');
    expect(mail.subject).toBe('Undelivered Mail Returned to Sender: Grüße Bcc: x@y');
    expect(mail.headers.get('bcc')).toBeUndefined();
    expect(mail.headers.get('auto-submitted')).toBe('auto-replied');
    expect(parseDsn(mail)).toEqual({
      failures: [{ recipient: 'ghost@mail.example.org', status: '5.0.0', diagnostic: 'bounced: service-unavailable' }],
      originalIds: ['<m1@example.com>'],
    });
  });

  it('is never sent for a mail with the null reverse-path (a bounce is not answered)', () => {
    expect(buildDsn({ envelopeFrom: '', arrival: 'x' }, context)).toBeUndefined();
  });

  it('reads no reference from a malformed one', () => {
    expect(decodeMailRef(undefined)).toBeUndefined();
    expect(decodeMailRef('{nope')).toBeUndefined();
    expect(decodeMailRef('{"envelopeFrom":1}')).toBeUndefined();
  });
});
