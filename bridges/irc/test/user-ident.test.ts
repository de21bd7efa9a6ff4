import { createHash } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ircConfigSchema } from '../config.js';
import { IrcConnection } from '../client/connection.js';
import { identReply, parseIdentQuery } from '../identd.js';
import { IdentRegistry, plainAddress } from '../ident-registry.js';
import { addressInPrefix, isPrefix, jidHash, userCloak, userIdent } from '../user-ident.js';

describe('RFC 1413 queries', () => {
  it.each([
    ['6191, 23', { localPort: 6191, remotePort: 23 }],
    ['6191,23', { localPort: 6191, remotePort: 23 }],
    ['  6191 ,\t23  ', { localPort: 6191, remotePort: 23 }],
    ['65535 , 1', { localPort: 65535, remotePort: 1 }],
  ])('%j is a query', (line, q) => {
    expect(parseIdentQuery(line)).toEqual(q);
  });

  it.each(['', 'hello', '6191', '6191,', ',23', '6191 23', '-1 , 23', '61.5 , 23', '6191 , 23 , 1', '0x10 , 23', '123456 , 23', '6191 , 23 extra'])(
    '%j is INVALID-PORT',
    (line) => {
      expect(parseIdentQuery(line)).toMatchObject({ invalid: true });
      expect(identReply(parseIdentQuery(line), 'x')).toMatch(/ : ERROR : INVALID-PORT\r\n$/);
    },
  );

  it('ports out of 1–65535 are INVALID-PORT and echoed', () => {
    expect(identReply(parseIdentQuery('0 , 6667'), 'x')).toBe('0 , 6667 : ERROR : INVALID-PORT\r\n');
    expect(identReply(parseIdentQuery('70000 , 6667'), 'x')).toBe('70000 , 6667 : ERROR : INVALID-PORT\r\n');
  });

  it('answers in the RFC 1413 §3 format: USERID : UNIX, or NO-USER', () => {
    expect(identReply({ localPort: 40123, remotePort: 6667 }, 'a1b2c3d4e5')).toBe('40123 , 6667 : USERID : UNIX : a1b2c3d4e5\r\n');
    expect(identReply({ localPort: 40123, remotePort: 6667 }, undefined)).toBe('40123 , 6667 : ERROR : NO-USER\r\n');
  });
});

describe('the identd registry', () => {
  const ends = { localAddress: '127.0.0.1', localPort: 40000, remoteAddress: '192.0.2.7', remotePort: 6667 };

  it('answers for a live connection only, and only to the host it is connected to', () => {
    const reg = new IdentRegistry();
    const remove = reg.add(ends, 'abc');
    expect(reg.lookup(40000, 6667, '192.0.2.7')).toBe('abc');
    expect(reg.lookup(40000, 6667, '::ffff:192.0.2.7')).toBe('abc');
    expect(reg.lookup(40000, 6667, '192.0.2.8')).toBeUndefined();
    expect(reg.lookup(6667, 40000, '192.0.2.7')).toBeUndefined();
    remove();
    expect(reg.lookup(40000, 6667, '192.0.2.7')).toBeUndefined();
    expect(reg.size).toBe(0);
  });

  it("follows a connection: entered at its 'socket' event, gone when it closes", () => {
    const reg = new IdentRegistry();
    const conn = new IrcConnection({
      server: { host: '192.0.2.7', port: 6667, tls: false, tls_verify: true },
      nick: 'n',
      username: 'u',
      realname: 'r',
      sasl: { mechanism: 'none' },
      encodingFallback: 'latin1',
      connectTimeoutMs: 1000,
      pingIntervalMs: 60_000,
      maxLineBytes: 8703,
      capLsLines: 32,
    });
    reg.track(conn, 'tracked');
    expect(reg.lookup(40000, 6667, '192.0.2.7')).toBeUndefined();
    conn.emit('socket', ends);
    expect(reg.lookup(40000, 6667, '192.0.2.7')).toBe('tracked');
    conn.destroy('gone');
    expect(reg.size).toBe(0);
  });

  it('keeps two connections on the same port pair to different servers apart', () => {
    const reg = new IdentRegistry();
    reg.add(ends, 'one');
    const removeTwo = reg.add({ ...ends, remoteAddress: '2001:DB8::1' }, 'two');
    expect(reg.lookup(40000, 6667, '2001:db8::1')).toBe('two');
    removeTwo();
    expect(reg.lookup(40000, 6667, '192.0.2.7')).toBe('one');
    expect(plainAddress('::FFFF:10.0.0.1')).toBe('10.0.0.1');
  });
});

describe('user idents and WEBIRC cloaks', () => {
  it("the default ident is biboumi's hex SHA-1 of the bare JID, cut to InspIRCd's 10 characters", () => {
    const sha1 = createHash('sha1').update('alice@example.org').digest('hex');
    expect(jidHash('alice@example.org')).toBe(sha1.slice(0, 10));
    expect(userIdent('alice@example.org', '{hash}')).toBe(sha1.slice(0, 10));
    expect(userIdent('alice@example.org', '{hash}')).toBe(userIdent('alice@example.org', '{hash}'));
    expect(userIdent('bob@example.org', '{hash}')).not.toBe(userIdent('alice@example.org', '{hash}'));
  });

  it('a template keeps only ident characters, at most 10, and falls back to the hash when nothing is left', () => {
    expect(userIdent('Al.ice+x@example.org', '{local}')).toBe('Alicex');
    expect(userIdent('averyveryverylongname@example.org', 'x{local}')).toBe('xaveryvery');
    expect(userIdent('..@example.org', '{local}')).toBe(jidHash('..@example.org'));
    expect(userIdent('a@example.org', 'xmpp')).toBe('xmpp');
  });

  it('a cloak: the hostname template with the hash, an address inside the prefix from the hash', () => {
    const c = userCloak('alice@example.org', { hostname: '{hash}.users.example.org', ip_prefix: '2001:db8:5b::/64' });
    expect(c.hostname).toBe(`${jidHash('alice@example.org')}.users.example.org`);
    expect(isIPv6(c.ip)).toBe(true);
    expect(c.ip.startsWith('2001:db8:5b:0:')).toBe(true);
    expect(userCloak('alice@example.org', { hostname: '{hash}.u', ip_prefix: '2001:db8:5b::/64' })).toEqual({
      ...c,
      hostname: `${jidHash('alice@example.org')}.u`,
    });
    expect(userCloak('bob@example.org', { ip_prefix: '2001:db8:5b::/64' }).ip).not.toBe(c.ip);
    // Without a hostname template the address is the host.
    const bare = userCloak('bob@example.org', { ip_prefix: '10.42.0.0/16' });
    expect(bare.hostname).toBe(bare.ip);
    expect(isIPv4(bare.ip) && bare.ip.startsWith('10.42.')).toBe(true);
  });

  it('addresses keep every prefix bit, take the rest from the hash, and never start with a colon', () => {
    const ones = Buffer.alloc(32, 0xff);
    const zeros = Buffer.alloc(32, 0);
    expect(addressInPrefix('2001:db8::/32', zeros)).toBe('2001:db8:0:0:0:0:0:0');
    expect(addressInPrefix('2001:db8::/32', ones)).toBe('2001:db8:ffff:ffff:ffff:ffff:ffff:ffff');
    expect(addressInPrefix('2001:db8:ab00::/40', ones)).toBe('2001:db8:abff:ffff:ffff:ffff:ffff:ffff');
    expect(addressInPrefix('::/0', zeros)).toBe('0:0:0:0:0:0:0:0');
    expect(addressInPrefix('fd00::1/128', ones)).toBe('fd00:0:0:0:0:0:0:1');
    expect(addressInPrefix('::ffff:192.0.2.0/120', ones)).toBe('0:0:0:0:0:ffff:c000:2ff');
    expect(addressInPrefix('192.0.2.0/24', ones)).toBe('192.0.2.255');
    expect(addressInPrefix('192.0.2.77/32', ones)).toBe('192.0.2.77');
  });

  it.each(['2001:db8::', '2001:db8::/129', '10.0.0.0/33', 'example.org/24', '10.0.0/8', '2001:db8::/x'])('%j is not a prefix', (p) => {
    expect(isPrefix(p)).toBe(false);
    expect(() => addressInPrefix(p, Buffer.alloc(32))).toThrow();
  });

  it('config: identd off by default on 113; webirc needs a password and a prefix, and a hostname with {hash}', () => {
    const c = ircConfigSchema.parse({});
    expect(c.identd).toEqual({ enabled: false, port: 113, ident: '{hash}' });
    const net = (webirc: unknown) => ({ networks: { n: { servers: [{ host: 'h' }], webirc } } });
    expect(ircConfigSchema.parse(net({ password: 'pw', ip_prefix: 'fd00:5b::/64' })).networks.n?.webirc).toEqual({
      password: 'pw',
      gateway: 'switchboard',
      ip_prefix: 'fd00:5b::/64',
    });
    expect(() => ircConfigSchema.parse(net({ password: 'pw', ip_prefix: 'fd00:5b::' }))).toThrow();
    expect(() => ircConfigSchema.parse(net({ password: 'a b', ip_prefix: 'fd00::/64' }))).toThrow();
    expect(() => ircConfigSchema.parse(net({ password: 'pw', ip_prefix: 'fd00::/64', hostname: 'users.example.org' }))).toThrow(/\{hash\}/);
  });
});
