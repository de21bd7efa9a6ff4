import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNgircd, type Ngircd } from '../../../test/helpers/irc-ngircd.js';
import { expectInbound, find, startBridge, unique } from './helpers.js';

describe('IRC over TLS (ngircd)', () => {
  let ircd: Ngircd;
  beforeAll(async () => {
    ircd = await startNgircd({ tls: true });
  });
  afterAll(async () => {
    await ircd?.stop();
  });

  const server = (extra: Record<string, unknown>) => ({ servers: [{ host: '127.0.0.1', port: ircd.tlsPort, tls: true, ...extra }] });

  it('refuses a certificate it cannot verify, by default', async () => {
    const id = unique();
    const b = await startBridge(ircd.port, {}, server({}));
    await b.bridge.send({ kind: 'join', user: `u${id}@example.org`, resource: 'r1', to: `#t${id}%test`, nick: `X${id}` });
    const err = await expectInbound(b.t, 'error', () => true, 'TLS refusal');
    expect(err.condition).toBe('remote-server-not-found');
    expect(err.text).toMatch(/certificate/i);
  });

  it('connects with a pinned fingerprint and says the connection is encrypted', async () => {
    const id = unique();
    const b = await startBridge(ircd.port, {}, server({ tls_fingerprint: ircd.fingerprint256 }));
    await b.bridge.send({ kind: 'join', user: `u${id}@example.org`, resource: 'r1', to: `#t${id}%test`, nick: `X${id}` });
    await expectInbound(b.t, 'presence', (e) => !!e.muc?.codes.includes(110), 'joined over TLS');
    expect(find(b.t, 'message', (e) => e.body === 'Connected to IRC server (encrypted).')).toHaveLength(1);
  });

  it('refuses a certificate that does not match the pin', async () => {
    const id = unique();
    const b = await startBridge(ircd.port, {}, server({ tls_fingerprint: '00'.repeat(32) }));
    await b.bridge.send({ kind: 'join', user: `u${id}@example.org`, resource: 'r1', to: `#t${id}%test`, nick: `X${id}` });
    const err = await expectInbound(b.t, 'error', () => true, 'pin mismatch');
    expect(err.text).toMatch(/pinned fingerprint/);
  });
});
