/**
 * Secrets at rest on both stores (design.md §5): what the IRC bridge's `configure` stores is
 * sealed in the raw `bridge_kv` row of the SQLite file and of the PostgreSQL table (a real
 * PostgreSQL started by the suite), rows in the clear are sealed at start, and
 * `switchboard rotate-secrets` (src/core/rotate-secrets.ts; once through the built CLI) re-seals
 * them under a new key.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBridgeSecrets } from '../../src/core/bridge-secrets.js';
import { openPostgresStore } from '../../src/core/postgres/store.js';
import { rotatePostgres, rotateSqlite, type RotateResult } from '../../src/core/rotate-secrets.js';
import { open, secretKeyId, secretPlace } from '../../src/core/secrets.js';
import { openSqliteStore } from '../../src/core/sqlite/store.js';
import type { Store } from '../../src/core/store.js';
import { sealStoredSecrets } from '../../bridges/irc/secret-settings.js';
import { configureCommand, settingsKey } from '../../bridges/irc/settings.js';
import { CLI, requireBuild } from '../helpers/gateway.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres.js';

interface Backend {
  name: string;
  fresh(): Promise<string>;
  open(where: string): Promise<Store>;
  close(store: Store): Promise<void>;
  /** The value column of a bridge_kv row as the database holds it. */
  raw(where: string, bridge: string, key: string): Promise<string | undefined>;
  rotate(where: string, oldKey: Buffer, newKey: Buffer): Promise<RotateResult>;
}

let pgServer: PostgresServer | undefined;
const sqlite: Backend = {
  name: 'SQLite',
  fresh: async () => join(mkdtempSync(join(tmpdir(), 'sb-secrets-')), 'db.sqlite'),
  open: async (path) => openSqliteStore({ path, synchronous: 'full' }),
  close: async (s) => s.close(),
  async raw(path, bridge, key) {
    const db = new Database(path, { readonly: true });
    try {
      return (db.prepare('SELECT value FROM bridge_kv WHERE bridge = ? AND key = ?').get(bridge, key) as { value: string } | undefined)?.value;
    } finally {
      db.close();
    }
  },
  rotate: async (path, oldKey, newKey) => rotateSqlite(path, oldKey, newKey),
};
const postgres: Backend = {
  name: 'PostgreSQL',
  fresh: async () => pgServer!.createDatabase(),
  open: (url) => openPostgresStore({ url }),
  close: async (s) => {
    s.close();
    await ('closed' in s && typeof s.closed === 'function' ? (s.closed as () => Promise<void>)() : undefined);
  },
  async raw(url, bridge, key) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query<{ value: string }>('SELECT value FROM bridge_kv WHERE bridge = $1 AND key = $2', [bridge, key])).rows[0]?.value;
    } finally {
      await client.end();
    }
  },
  rotate: rotatePostgres,
};

beforeAll(async () => {
  pgServer = await startPostgres({ fsync: false });
});
afterAll(async () => {
  await pgServer?.stop();
});

const log = pino({ level: 'silent' });
const user = 'alice@example.org';
const key = settingsKey(user, 'libera');

/** What the IRC bridge's configure command stores for `values`, with `secretKey`. */
async function configure(store: Store, secretKey: Buffer, values: Record<string, string[]>): Promise<void> {
  const cmd = configureCommand(store.kv('irc'), createBridgeSecrets('irc', secretKey), (l) => (l === 'libera' ? 'libera' : undefined));
  await cmd.run({ user, from: `${user}/r`, localpart: 'libera', action: 'complete', values });
  await store.flush();
}

describe.each([sqlite, postgres])('secrets at rest on $name', (backend) => {
  const keyA = randomBytes(32);
  const keyB = randomBytes(32);
  const opened = (raw: string | undefined, k: Buffer) => open(k, (JSON.parse(raw!) as { saslPassword: string }).saslPassword, secretPlace('irc', key, 'saslPassword'));

  it('a SASL password set with configure is sealed in the raw row', async () => {
    const where = await backend.fresh();
    const store = await backend.open(where);
    await configure(store, keyA, { nick: ['alice'], sasl_password: ['correct horse'] });
    await backend.close(store);
    const raw = await backend.raw(where, 'irc', key);
    expect(raw).not.toContain('correct horse');
    expect(JSON.parse(raw!)).toMatchObject({ nick: 'alice', saslPassword: expect.stringMatching(new RegExp(`^sbsec1:${secretKeyId(keyA)}:`)) as unknown });
    expect(opened(raw, keyA)).toBe('correct horse');
  });

  it('a row in the clear is sealed at start when a key is configured', async () => {
    const where = await backend.fresh();
    const store = await backend.open(where);
    store.kv('irc').set(key, { saslPassword: 'from-before' });
    await store.flush();
    expect(await backend.raw(where, 'irc', key)).toContain('from-before');
    sealStoredSecrets(store.kv('irc'), createBridgeSecrets('irc', keyA), log);
    await store.flush();
    await backend.close(store);
    const raw = await backend.raw(where, 'irc', key);
    expect(raw).not.toContain('from-before');
    expect(opened(raw, keyA)).toBe('from-before');
  });

  it('rotate-secrets re-seals under the new key; again changes nothing; a third key stops it unchanged', async () => {
    const where = await backend.fresh();
    let store = await backend.open(where);
    await configure(store, keyA, { sasl_password: ['rotate me'] });
    await backend.close(store);
    const first = await backend.rotate(where, keyA, keyB);
    expect(first).toMatchObject({ outcome: 'rotated', resealed: 1, current: 0 });
    const raw = await backend.raw(where, 'irc', key);
    expect(opened(raw, keyB)).toBe('rotate me');
    expect(() => opened(raw, keyA)).toThrow(/sealed with key/);
    expect(await backend.rotate(where, keyA, keyB)).toMatchObject({ outcome: 'rotated', resealed: 0, current: 1 });
    expect(await backend.raw(where, 'irc', key)).toBe(raw);
    // A row under neither key: refused, nothing written (the other row stays under B).
    store = await backend.open(where);
    const bob = settingsKey('bob@example.org', 'libera');
    store.kv('irc').set(bob, { saslPassword: createBridgeSecrets('irc', randomBytes(32)).seal('x', bob, 'saslPassword') });
    await configure(store, keyB, { sasl_password: ['second'] });
    await backend.close(store);
    const before = await backend.raw(where, 'irc', key);
    const refused = await backend.rotate(where, keyB, keyA);
    expect(refused.outcome).toBe('refused');
    expect(refused.message).toMatch(/nothing changed; 1 secrets cannot be rotated:\n {2}irc settings:bob@example.org:libera saslPassword: sealed with key/);
    expect(await backend.raw(where, 'irc', key)).toBe(before);
  });
});

it('rotate-secrets refuses a PostgreSQL store while a gateway holds its lease', async () => {
  const url = await pgServer!.createDatabase();
  const store = await postgres.open(url);
  await configure(store, randomBytes(32), { sasl_password: ['leased'] });
  await postgres.close(store);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`INSERT INTO switchboard_lease (name, holder, epoch, acquired_at, expires_at) VALUES ('switchboard', 'host-a:123', 1, now(), now() + interval '1 minute')`);
  await client.end();
  const before = await postgres.raw(url, 'irc', key);
  expect(await rotatePostgres(url, randomBytes(32), randomBytes(32))).toMatchObject({ outcome: 'refused', message: expect.stringMatching(/holds the lease \(host-a:123\); stop it first/) as unknown });
  expect(await postgres.raw(url, 'irc', key)).toBe(before);
});

describe('switchboard rotate-secrets (the built CLI)', () => {
  const exec = promisify(execFile);
  const cli = async (...args: string[]) => {
    try {
      const r = await exec(process.execPath, [CLI, ...args]);
      return { code: 0, out: r.stdout + r.stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, out: e.stdout + e.stderr };
    }
  };

  it('rotates the store of the config from --old-key to the configured key, and says what is missing', async () => {
    requireBuild();
    const dir = mkdtempSync(join(tmpdir(), 'sb-rotate-'));
    const oldKey = randomBytes(32);
    const newKey = (await cli('generate-secret-key')).out.trim();
    writeFileSync(join(dir, 'old.key'), oldKey.toString('hex'));
    writeFileSync(join(dir, 'new.key'), newKey);
    const path = join(dir, 'store.sqlite');
    const store = openSqliteStore({ path, synchronous: 'full' });
    await configure(store, oldKey, { sasl_password: ['via cli'] });
    store.close();
    const config = join(dir, 'config.yaml');
    writeFileSync(config, `store:\n  path: ${path}\nsecrets:\n  key_file: new.key\nbridges: {}\n`);
    expect(await cli('rotate-secrets', '--config', config)).toMatchObject({ code: 1, out: expect.stringMatching(/--old-key FILE or --old-key-env VAR are required/) as unknown });
    const done = await cli('rotate-secrets', '--config', config, '--old-key', join(dir, 'old.key'));
    expect(done).toMatchObject({ code: 0, out: expect.stringMatching(new RegExp(`re-sealed 1 secrets from key ${secretKeyId(oldKey)} to key ${secretKeyId(Buffer.from(newKey, 'base64'))}`)) as unknown });
    expect(open(Buffer.from(newKey, 'base64'), (JSON.parse((await sqlite.raw(path, 'irc', key))!) as { saslPassword: string }).saslPassword, secretPlace('irc', key, 'saslPassword'))).toBe('via cli');
    writeFileSync(config, `store:\n  path: ${path}\nbridges: {}\n`);
    expect(await cli('rotate-secrets', '--config', config, '--old-key', join(dir, 'old.key'))).toMatchObject({ code: 1, out: expect.stringMatching(/configure the new key first/) as unknown });
  });
});
