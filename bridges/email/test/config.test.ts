import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { emailConfigSchema } from '../config.js';

describe('email config', () => {
  it('accepts the commented example', () => {
    const text = readFileSync(new URL('../config.example.yaml', import.meta.url), 'utf8');
    const doc = parse(text) as { bridges: { email: { options: unknown } } };
    const config = emailConfigSchema.parse(doc.bridges.email.options);
    expect(config.addresses.pattern).toBe('{local}@mail.example.org');
    expect(config.smtp.port).toBe(2525);
  });

  it('fills every default from an empty object', () => {
    const config = emailConfigSchema.parse({});
    expect(config.relay).toMatchObject({ host: '127.0.0.1', port: 25, starttls: 'opportunistic' });
    expect(config.authentication).toMatchObject({ verify: true, refuse_failing: false });
  });

  it('rejects a typo and a pattern without {local}', () => {
    expect(() => emailConfigSchema.parse({ smtp: { prot: 25 } })).toThrow();
    expect(() => emailConfigSchema.parse({ addresses: { pattern: 'x@mail.example.org' } })).toThrow();
    expect(() => emailConfigSchema.parse({ addresses: { pattern: '{local}@mail.example.org' } })).toThrow(/user_domain/);
  });
});
