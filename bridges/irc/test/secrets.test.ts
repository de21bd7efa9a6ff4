// Users' IRC secrets at rest (secret-settings.ts): sealed in the store with the gateway's key,
// refused without one, never sent to IRC when they do not open. SASL is played by the fake IRC
// server (fake-services.ts says why no Debian server can).
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeIrcServer, type FakeIrcServer } from '../../../test/helpers/fake-irc-server.js';
import { seal, secretPlace } from '../../../src/core/secrets.js';
import { settingsKey } from '../settings.js';
import { fakeServices, type FakeServices } from './fake-services.js';
import { expectInbound, startBridge, unique, type BridgeUnderTest } from './helpers.js';

const KEY = randomBytes(32);

/** The value column of the user's settings row, as it is in the SQLite file. */
function rawRow(b: BridgeUnderTest, user: string): string {
  const db = new Database(b.t.storePath, { readonly: true });
  try {
    return (db.prepare('SELECT value FROM bridge_kv WHERE bridge = ? AND key = ?').get('irc', settingsKey(user, 'test')) as { value: string }).value;
  } finally {
    db.close();
  }
}

describe('IRC secrets at rest', () => {
  let fake: FakeIrcServer | undefined;
  let services: FakeServices;
  let b: BridgeUnderTest | undefined;
  const logs: Array<Record<string, unknown>> = [];
  const start = async (opts: { secretKey?: Buffer; prepare?: (b: BridgeUnderTest['t']) => void } = {}) => {
    services = fakeServices();
    fake = await startFakeIrcServer({ caps: ['sasl'], onLine: services.onLine });
    b = await startBridge(fake.port, {}, {}, { logs, ...opts });
    return b;
  };
  const configure = (user: string, values: Record<string, string[]>) =>
    b!.bridge.commands.find((c) => c.node === 'configure' && c.appliesTo('test'))!.run({ user, from: `${user}/r`, localpart: 'test', action: 'complete', values });
  afterEach(async () => {
    await b?.close();
    await fake?.close();
    b = undefined;
    fake = undefined;
    logs.length = 0;
  });

  it('with a key, the SASL password and after-connect commands are sealed in the store, and still used on IRC', async () => {
    const id = unique();
    const user = `u${id}@example.org`;
    await start({ secretKey: KEY });
    await configure(user, { sasl_password: [`pw-${id}`], after_connect_commands: [`PRIVMSG NickServ :IDENTIFY idpw-${id}`] });
    await b!.t.store.flush();
    const raw = rawRow(b!, user);
    expect(raw).not.toContain(`pw-${id}`);
    expect(raw).not.toContain('IDENTIFY');
    expect(JSON.parse(raw)).toEqual({ saslPassword: expect.stringMatching(/^sbsec1:/) as unknown, afterConnect: expect.stringMatching(/^sbsec1:/) as unknown });
    await b!.bridge.send({ kind: 'join', user, resource: 'r1', to: `#s${id}%test`, nick: `S${id}` });
    await expectInbound(b!.t, 'presence', (e) => !!e.muc?.codes.includes(110), 'joined');
    expect(services.saslPayloads).toEqual([`S${id}\0S${id}\0pw-${id}`]);
    const client = await fake!.client(0);
    await client.expect((l) => l === `PRIVMSG NickServ :IDENTIFY idpw-${id}`, 'the after-connect command');
  });

  it('a password sealed under another key fails the join with a clear error; nothing is sent to IRC', async () => {
    const id = unique();
    const user = `u${id}@example.org`;
    const key = settingsKey(user, 'test');
    await start({
      secretKey: KEY,
      prepare: (t) => t.ctx.kv.set(key, { saslPassword: seal(randomBytes(32), `pw-${id}`, secretPlace('irc', key, 'saslPassword')) }),
    });
    await b!.bridge.send({ kind: 'join', user, resource: 'r1', to: `#w${id}%test`, nick: `W${id}` });
    const err = await expectInbound(b!.t, 'error', () => true, 'the join error');
    expect(err.condition).toBe('not-authorized');
    expect(err.text).toMatch(/cannot be decrypted.*nothing was sent to the IRC server/);
    expect(fake!.clients).toHaveLength(0);
    expect(logs.find((l) => l.event === 'secret_open_failed')).toMatchObject({ user, reason: expect.stringMatching(/sealed with key \w+, but the configured key is/) as unknown });
  });

  it('a sealed password changed at rest fails authentication; nothing is sent to IRC', async () => {
    const id = unique();
    const user = `u${id}@example.org`;
    await start({ secretKey: KEY });
    await configure(user, { sasl_password: [`pw-${id}`] });
    await b!.t.store.flush();
    const stored = JSON.parse(rawRow(b!, user)) as { saslPassword: string };
    const parts = stored.saslPassword.split(':');
    const ct = Buffer.from(parts[3]!, 'base64url');
    ct[0] = ct[0]! ^ 0x20;
    const db = new Database(b!.t.storePath);
    db.prepare('UPDATE bridge_kv SET value = ? WHERE bridge = ? AND key = ?').run(
      JSON.stringify({ saslPassword: [...parts.slice(0, 3), ct.toString('base64url'), parts[4]].join(':') }),
      'irc',
      settingsKey(user, 'test'),
    );
    db.close();
    await b!.bridge.send({ kind: 'join', user, resource: 'r1', to: `#t${id}%test`, nick: `T${id}` });
    const err = await expectInbound(b!.t, 'error', () => true, 'the join error');
    expect(err.condition).toBe('not-authorized');
    expect(fake!.clients).toHaveLength(0);
    expect(logs.find((l) => l.event === 'secret_open_failed')?.reason).toMatch(/tampered/);
  });

  it('without a key, a SASL password or a command with a password is refused with the reason, and the operator is told at start', async () => {
    const id = unique();
    const user = `u${id}@example.org`;
    await start();
    expect(logs.find((l) => l.event === 'secrets_no_key')?.msg).toMatch(/secrets\.key_file/);
    await expect(configure(user, { sasl_password: ['pw'] })).rejects.toMatchObject({ condition: 'not-allowed', message: expect.stringMatching(/no key to encrypt them/) as unknown });
    await expect(configure(user, { after_connect_commands: ['PRIVMSG NickServ :IDENTIFY pw'] })).rejects.toMatchObject({ condition: 'not-allowed' });
    expect(b!.t.ctx.kv.get(settingsKey(user, 'test'))).toBeUndefined();
    // What carries no secret is still stored.
    await configure(user, { nick: [`K${id}`], after_connect_commands: ['MODE {nick} +x'] });
    expect(b!.t.ctx.kv.get(settingsKey(user, 'test'))).toEqual({ nick: `K${id}`, afterConnect: ['MODE {nick} +x'] });
  });

  it('secrets stored in the clear before a key was configured are sealed at start and keep working', async () => {
    const id = unique();
    const user = `u${id}@example.org`;
    const other = `o${id}@example.org`;
    await start({
      secretKey: KEY,
      prepare: (t) => {
        t.ctx.kv.set(settingsKey(user, 'test'), { nick: `M${id}`, saslPassword: `old-${id}`, afterConnect: ['PRIVMSG NickServ :IDENTIFY x'] });
        t.ctx.kv.set(settingsKey(other, 'test'), { nick: `P${id}` });
      },
    });
    await b!.t.store.flush();
    const raw = rawRow(b!, user);
    expect(raw).not.toContain(`old-${id}`);
    expect(raw).not.toContain('IDENTIFY');
    expect(JSON.parse(raw)).toMatchObject({ nick: `M${id}`, saslPassword: expect.stringMatching(/^sbsec1:/) as unknown });
    expect(JSON.parse(rawRow(b!, other))).toEqual({ nick: `P${id}` });
    expect(logs.find((l) => l.event === 'secrets_sealed')).toMatchObject({ count: 2 });
    await b!.bridge.send({ kind: 'join', user, resource: 'r1', to: `#m${id}%test`, nick: 'Ignored' });
    await expectInbound(b!.t, 'presence', (e) => !!e.muc?.codes.includes(110), 'joined');
    expect(services.saslPayloads).toEqual([`M${id}\0M${id}\0old-${id}`]);
  });
});
