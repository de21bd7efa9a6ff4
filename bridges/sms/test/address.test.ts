import { describe, expect, it } from 'vitest';
import { normalizeNumber, phoneToLocalpart, resolvePhoneLocalpart } from '../address.js';
import { StanzaError } from '../../../src/core/errors.js';

describe('phone-number addressing', () => {
  const table: Array<[string, 'US' | 'GB' | 'FR', string | undefined]> = [
    ['+15551234567', 'US', '+15551234567'],
    ['(555) 123-4567', 'US', '+15551234567'],
    ['555.123.4567', 'US', '+15551234567'],
    ['+1 201 555 0123', 'GB', '+12015550123'],
    ['07700 900123', 'GB', '+447700900123'],
    ['06 12 34 56 78', 'FR', '+33612345678'],
    ['72345', 'US', '72345'],
    ['5551234', 'US', undefined],
    ['+1555', 'US', undefined],
    ['hello', 'US', undefined],
    ['+1555123456789012', 'US', undefined],
    ['', 'US', undefined],
  ];
  for (const [typed, country, expected] of table) {
    it(`normalises ${JSON.stringify(typed)} with default country ${country} to ${expected ?? 'nothing'}`, () => {
      expect(normalizeNumber(typed, country)).toBe(expected);
    });
  }

  it('resolves the domain itself as the service', () => {
    expect(resolvePhoneLocalpart('', 'US')).toEqual({ kind: 'service', localpart: '', name: 'SMS' });
  });

  it('resolves a number to its canonical E.164 contact', () => {
    expect(resolvePhoneLocalpart('5551234567', 'US')).toMatchObject({ kind: 'contact', localpart: '+15551234567' });
  });

  it('rejects an invalid number with jid-malformed and a text', () => {
    let caught: unknown;
    try {
      resolvePhoneLocalpart('not-a-number', 'US');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(StanzaError);
    expect((caught as StanzaError).condition).toBe('jid-malformed');
    expect((caught as StanzaError).message).toMatch(/phone number/);
  });

  it('keeps an alphanumeric sender id as it is', () => {
    expect(phoneToLocalpart('ACME', 'US')).toBe('ACME');
    expect(phoneToLocalpart('+15551234567', 'US')).toBe('+15551234567');
  });
});
