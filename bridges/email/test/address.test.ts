import { describe, expect, it } from 'vitest';
import { StanzaError } from '../../../src/core/errors.js';
import { addressOfLocalpart, localpartOfAddress, Mailboxes, normaliseAddress } from '../address.js';
import { emailConfigSchema } from '../config.js';
import { startEmailBridge } from './support.js';

describe('contact local parts ⇄ email addresses', () => {
  const valid: Array<[string, string]> = [
    ['alice\\40example.com', 'alice@example.com'],
    ['Alice.Smith\\40Example.COM', 'Alice.Smith@example.com'],
    ['alice%example.com', 'alice@example.com'],
    ['a+tag\\40sub.example.co.uk', 'a+tag@sub.example.co.uk'],
    ['o\\27brien\\40example.ie', "o'brien@example.ie"],
    ['jürgen\\40bücher.de', 'jürgen@bücher.de'],
  ];
  for (const [local, address] of valid) {
    it(`${local} denotes ${address}`, () => expect(addressOfLocalpart(local)).toBe(address));
  }

  const invalid = ['', 'alice', 'alice\\40', '\\40example.com', 'a\\20b\\40example.com', 'alice\\40localhost', 'a..b\\40example.com', 'a\\40b\\40example.com', `${'x'.repeat(65)}\\40example.com`];
  for (const local of invalid) {
    it(`${JSON.stringify(local)} is jid-malformed`, () => {
      expect(() => addressOfLocalpart(local)).toThrow(StanzaError);
      try {
        addressOfLocalpart(local);
      } catch (err) {
        expect((err as StanzaError).condition).toBe('jid-malformed');
      }
    });
  }

  it('escapes an address with XEP-0106 and lower-cases the domain', () => {
    expect(localpartOfAddress("O'Brien@Example.IE")).toBe("O\\27Brien\\40example.ie");
  });

  it('rejects CR/LF and angle brackets in addresses', () => {
    expect(normaliseAddress('a@b.com\r\nBcc: c@d.com')).toBeUndefined();
    expect(normaliseAddress('<a@b.com>')).toBeUndefined();
  });
});

describe('users ⇄ their mailboxes', () => {
  const boxes = new Mailboxes(
    emailConfigSchema.parse({
      addresses: { pattern: '{local}@mail.example.org', user_domain: 'example.org', display_name: '{local}', map: { 'boss@corp.example': { address: 'ceo@corp.example', name: 'The Boss' } } },
    }).addresses,
  );

  it('gives a pattern address and display name', () => expect(boxes.ofUser('alice@example.org')).toEqual({ address: 'alice@mail.example.org', name: 'alice' }));
  it('gives a mapped address and name', () => expect(boxes.ofUser('boss@corp.example')).toEqual({ address: 'ceo@corp.example', name: 'The Boss' }));
  it('gives no pattern address to users of another domain', () => expect(boxes.ofUser('eve@evil.example')).toBeUndefined());
  it('maps a recipient back to the user', () => {
    expect(boxes.userOf('Alice@Mail.Example.org')).toBe('alice@example.org');
    expect(boxes.userOf('ceo@corp.example')).toBe('boss@corp.example');
    expect(boxes.userOf('alice@elsewhere.example')).toBeUndefined();
  });

  it('with {domain} in the pattern needs no user_domain', () => {
    const b = new Mailboxes(emailConfigSchema.parse({ addresses: { pattern: '{local}.{domain}@mail.example.org' } }).addresses);
    expect(b.ofUser('bob@example.net')).toEqual({ address: 'bob.example.net@mail.example.org' });
    expect(b.userOf('bob.example.net@mail.example.org')).toBe('bob@example.net');
  });
});

describe('resolve and XEP-0100', () => {
  it('resolves contacts to their canonical local part, the domain to the service', async () => {
    const h = await startEmailBridge({ users: ['a@example.org'] });
    try {
      expect(h.bridge.resolve('')).toMatchObject({ kind: 'service', localpart: '' });
      expect(h.bridge.resolve('alice%Example.com')).toEqual({ kind: 'contact', localpart: 'alice\\40example.com', name: 'alice@example.com' });
      expect(() => h.bridge.resolve('not an address')).toThrow(StanzaError);
      expect(h.bridge.gateway.toLocalpart(' mailto:Bob@Example.com ')).toBe('Bob\\40example.com');
      expect(() => h.bridge.gateway.toLocalpart('bob')).toThrow(/Not an email address/);
    } finally {
      await h.close();
    }
  });
});
