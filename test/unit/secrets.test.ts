// Secrets at rest (src/core/secrets.ts, rotate-secrets.ts rotateRows, the `secrets` config).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config.js';
import { createBridgeSecrets } from '../../src/core/bridge-secrets.js';
import { rotateRows } from '../../src/core/rotate-secrets.js';
import { generateSecretKey, isSealed, open, parseSecretKey, seal, SecretError, secretKeyId, secretPlace } from '../../src/core/secrets.js';

const keyA = randomBytes(32);
const keyB = randomBytes(32);
const place = secretPlace('irc', 'settings:a@x:libera', 'saslPassword');

describe('sealed secrets', () => {
  it('open what was sealed, and nothing of the plain text is in the sealed form', () => {
    const sealed = seal(keyA, 'hunter2-pässword', place);
    expect(isSealed(sealed)).toBe(true);
    expect(sealed).not.toContain('hunter2');
    expect(sealed.split(':')[1]).toBe(secretKeyId(keyA));
    expect(open(keyA, sealed, place)).toBe('hunter2-pässword');
    // A fresh IV each time: equal passwords do not look equal at rest.
    expect(seal(keyA, 'hunter2-pässword', place)).not.toBe(sealed);
  });

  it('the wrong key fails with an error naming both keys', () => {
    const sealed = seal(keyA, 'pw', place);
    expect(() => open(keyB, sealed, place)).toThrow(SecretError);
    expect(() => open(keyB, sealed, place)).toThrow(new RegExp(`sealed with key ${secretKeyId(keyA)}.*configured key is ${secretKeyId(keyB)}`));
  });

  it('a changed ciphertext, tag or IV fails authentication', () => {
    const sealed = seal(keyA, 'a longer password', place);
    const parts = sealed.split(':');
    for (const i of [2, 3, 4]) {
      const bytes = Buffer.from(parts[i]!, 'base64url');
      bytes[0] = bytes[0]! ^ 1;
      const changed = parts.map((p, j) => (j === i ? bytes.toString('base64url') : p)).join(':');
      expect(() => open(keyA, changed, place), `part ${i}`).toThrow(/tampered/);
    }
  });

  it('a sealed value moved to another user or field does not open', () => {
    const sealed = seal(keyA, 'pw', place);
    expect(() => open(keyA, sealed, secretPlace('irc', 'settings:mallory@x:libera', 'saslPassword'))).toThrow(/tampered with or moved/);
    expect(() => open(keyA, sealed, secretPlace('irc', 'settings:a@x:libera', 'afterConnect'))).toThrow(SecretError);
  });

  it('keys are 32 bytes as base64 or hex; anything else is refused with how to make one', () => {
    const b64 = generateSecretKey();
    expect(parseSecretKey(`${b64}\n`, 'f')).toEqual(Buffer.from(b64, 'base64'));
    expect(parseSecretKey(keyA.toString('hex'), 'f')).toEqual(keyA);
    expect(() => parseSecretKey('short', 'key.txt')).toThrow(/key\.txt: not a secrets key.*generate-secret-key/);
    expect(() => parseSecretKey(randomBytes(16).toString('base64'), 'f')).toThrow(SecretError);
  });

  it('without a key a bridge may not seal, says why, and reads rows stored in the clear', () => {
    const none = createBridgeSecrets('irc', undefined);
    expect(none.unavailable).toMatch(/secrets\.key_file/);
    expect(() => none.seal('pw', 'k', 'f')).toThrow(expect.objectContaining({ condition: 'not-allowed' }));
    expect(none.open('legacy-plain', 'k', 'f')).toBe('legacy-plain');
    const withKey = createBridgeSecrets('irc', keyA);
    const sealed = withKey.seal('pw', 'k', 'f');
    expect(withKey.open(sealed, 'k', 'f')).toBe('pw');
    // Bound to the bridge too.
    expect(() => createBridgeSecrets('sms', keyA).open(sealed, 'k', 'f')).toThrow(SecretError);
  });
});

describe('rotation of sealed rows', () => {
  const row = (key: string, value: unknown) => ({ bridge: 'irc', key, value: JSON.stringify(value) });
  const sealedAt = (k: Buffer, key: string, field: string, plain: string) => seal(k, plain, secretPlace('irc', key, field));

  it('re-seals every sealed field under the new key, leaves the rest, and a second run changes nothing', () => {
    const rows = [
      row('settings:a@x:n', { nick: 'a', saslPassword: sealedAt(keyA, 'settings:a@x:n', 'saslPassword', 'pa') }),
      row('settings:b@x:n', { afterConnect: sealedAt(keyA, 'settings:b@x:n', 'afterConnect', '["PRIVMSG NickServ :IDENTIFY pb"]') }),
      row('defaults:a@x', { persistent: true }),
      { bridge: 'irc', key: 'odd', value: 'not json' },
    ];
    const r = rotateRows(rows, keyA, keyB);
    expect(r).toMatchObject({ resealed: 2, current: 0, problems: [] });
    expect(r.updates.map((u) => u.key)).toEqual(['settings:a@x:n', 'settings:b@x:n']);
    const a = JSON.parse(r.updates[0]!.value) as { nick: string; saslPassword: string };
    expect(a.nick).toBe('a');
    expect(open(keyB, a.saslPassword, secretPlace('irc', 'settings:a@x:n', 'saslPassword'))).toBe('pa');
    const again = rotateRows(rows.map((x) => r.updates.find((u) => u.key === x.key) ?? x), keyA, keyB);
    expect(again).toMatchObject({ resealed: 0, current: 2, updates: [] });
  });

  it('a value under a third key or a tampered one stops the run, naming the place, never the value', () => {
    const third = randomBytes(32);
    const parts = sealedAt(keyA, 'settings:c@x:n', 'saslPassword', 'pc').split(':');
    const tampered = [...parts.slice(0, 4), parts[4]!.startsWith('A') ? `B${parts[4]!.slice(1)}` : `A${parts[4]!.slice(1)}`].join(':');
    const r = rotateRows(
      [row('settings:a@x:n', { saslPassword: sealedAt(third, 'settings:a@x:n', 'saslPassword', 'secret-a') }), row('settings:c@x:n', { saslPassword: tampered })],
      keyA,
      keyB,
    );
    expect(r.problems).toHaveLength(2);
    expect(r.problems[0]).toMatch(new RegExp(`irc settings:a@x:n saslPassword: sealed with key ${secretKeyId(third)}`));
    expect(r.problems[1]).toMatch(/irc settings:c@x:n saslPassword: .*tampered/);
    expect(r.problems.join('\n')).not.toContain('secret-a');
  });
});

describe('the secrets config', () => {
  const yaml = (secrets: string) => `secrets:\n${secrets}\nbridges: {}\n`;

  it('reads the key from a file next to the config, or from ${ENV}', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-secrets-'));
    writeFileSync(join(dir, 'secret.key'), `${keyA.toString('base64')}\n`);
    const fromFile = await parseConfig(yaml('  key_file: secret.key'), join(dir, 'config.yaml'), {});
    expect(fromFile.secretKey).toEqual(keyA);
    const fromEnv = await parseConfig(yaml('  key: ${SB_KEY}'), join(dir, 'config.yaml'), {}, { SB_KEY: keyB.toString('hex') });
    expect(fromEnv.secretKey).toEqual(keyB);
    expect((await parseConfig('bridges: {}\n', join(dir, 'config.yaml'), {})).secretKey).toBeUndefined();
  });

  it('a missing or bad key file is a config problem at its path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-secrets-'));
    writeFileSync(join(dir, 'bad.key'), 'not a key');
    const problem = (text: string) => parseConfig(text, join(dir, 'config.yaml'), {}).then(() => undefined, (e: unknown) => (e as ConfigError).problems);
    expect(await problem(yaml('  key_file: nowhere.key'))).toEqual([expect.objectContaining({ path: 'secrets.key_file', message: expect.stringMatching(/cannot read the secrets key/) as unknown })]);
    expect(await problem(yaml('  key_file: bad.key'))).toEqual([expect.objectContaining({ path: 'secrets.key_file', line: 2, message: expect.stringMatching(/not a secrets key/) as unknown })]);
    expect(await problem(yaml(`  key_file: bad.key\n  key: ${keyA.toString('hex')}`))).toEqual([expect.objectContaining({ path: 'secrets', message: 'set key_file or key, not both' })]);
  });
});
