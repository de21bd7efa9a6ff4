import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { smsConfigSchema } from '../config.js';

describe('config.example.yaml of the SMS bridge', () => {
  it('parses with the bridge schema once ${ENV} is filled in', () => {
    const text = readFileSync(new URL('../config.example.yaml', import.meta.url), 'utf8').replace(/\$\{[A-Z_]+\}/g, 'x');
    const entry = (parse(text) as { sms: { options: unknown } }).sms;
    const config = smsConfigSchema.parse(entry.options);
    expect(config.numbers).toEqual({ 'alice@example.org': '+15550001234' });
    expect(config.default_country).toBe('US');
    expect(config.reactions).toBe('error');
  });

  it('rejects an unknown option (a typo is an error)', () => {
    const r = smsConfigSchema.safeParse({ account_sid: `AC${'0'.repeat(32)}`, auth_token: 't', default_contry: 'US' });
    expect(r.success).toBe(false);
  });

  it('rejects a number that is not E.164 and an unknown country', () => {
    expect(smsConfigSchema.safeParse({ account_sid: `AC${'0'.repeat(32)}`, auth_token: 't', numbers: { 'a@b.c': '555-1234' } }).success).toBe(false);
    expect(smsConfigSchema.safeParse({ account_sid: `AC${'0'.repeat(32)}`, auth_token: 't', default_country: 'XX' }).success).toBe(false);
  });
});
