/**
 * Per-user secrets at rest (a user's SASL password, …): AES-256-GCM (NIST SP 800-38D) under the
 * operator's key (`secrets.key_file` or `secrets.key`). A sealed value is one string,
 *
 *   sbsec1:<key id>:<iv>:<ciphertext>:<tag>        (base64url parts, 12-byte IV, 16-byte tag)
 *
 * kept in place of the plain value in a bridge's key/value entry. The additional authenticated
 * data binds it to where it is stored (bridge, kv key, field), so a sealed value copied into
 * another user's entry does not open. The key id (8 hex digits of a SHA-256 of the key) says which
 * key sealed a value, so a wrong key is told apart from a tampered value.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

const PREFIX = 'sbsec1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const KEY_BYTES = 32;

/** A sealed value that cannot be opened: the wrong key, or the stored value was changed. */
export class SecretError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SecretError';
  }
}

/** A 32-byte key from its text: base64 (44 characters) or hex (64 digits), whitespace trimmed. */
export function parseSecretKey(text: string, source: string): Buffer {
  const t = text.trim();
  const bytes = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, 'hex') : /^[A-Za-z0-9+/_-]{43}=?$/.test(t) ? Buffer.from(t, 'base64') : undefined;
  if (!bytes || bytes.length !== KEY_BYTES) {
    throw new SecretError(`${source}: not a secrets key: it must be ${KEY_BYTES} random bytes as base64 or hex (make one with \`switchboard generate-secret-key\`)`);
  }
  return bytes;
}

export function readSecretKeyFile(path: string): Buffer {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new SecretError(`${path}: cannot read the secrets key: ${(err as Error).message}`, { cause: err });
  }
  return parseSecretKey(text, path);
}

export function generateSecretKey(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}

/** The short, public name of a key: what a sealed value says it was sealed with. */
export function secretKeyId(key: Buffer): string {
  return createHash('sha256').update('switchboard secrets key id\0').update(key).digest('hex').slice(0, 8);
}

/** What a sealed value is bound to: the bridge, its kv entry and the field in it. */
export function secretPlace(bridge: string, kvKey: string, field: string): string {
  return `${bridge}\0${kvKey}\0${field}`;
}

export function isSealed(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(`${PREFIX}:`);
}

/** The id of the key a sealed value names, or undefined when it is not a sealed value. */
export function sealedKeyId(value: string): string | undefined {
  return isSealed(value) ? value.split(':')[1] : undefined;
}

export function seal(key: Buffer, plain: string, place: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(place, 'utf8'));
  const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return [PREFIX, secretKeyId(key), iv.toString('base64url'), ct.toString('base64url'), cipher.getAuthTag().toString('base64url')].join(':');
}

/** The plain value; a SecretError says why not (not sealed, another key, changed). */
export function open(key: Buffer, sealed: string, place: string): string {
  const parts = sealed.split(':');
  if (parts.length !== 5 || parts[0] !== PREFIX) throw new SecretError('the stored value is not a sealed secret (sbsec1:…)');
  const [, keyId, ivText, ctText, tagText] = parts as [string, string, string, string, string];
  const mine = secretKeyId(key);
  if (keyId !== mine) {
    throw new SecretError(`the secret was sealed with key ${keyId}, but the configured key is ${mine}: configure that key, or run \`switchboard rotate-secrets\` with it as the old key`);
  }
  const iv = Buffer.from(ivText, 'base64url');
  const tag = Buffer.from(tagText, 'base64url');
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new SecretError('the sealed secret is damaged (bad IV or tag length)');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(place, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(Buffer.from(ctText, 'base64url')), decipher.final()]).toString('utf8');
  } catch (err) {
    // GCM authentication failed: the ciphertext, tag or place was changed (the key id matched).
    throw new SecretError('the sealed secret was tampered with or moved to another entry (AES-GCM authentication failed)', { cause: err });
  }
}
