import { describe, expect, it } from 'vitest';
import { connectNativeIrc } from '../../../test/helpers/irc-native.js';
import { startNgircd } from '../../../test/helpers/irc-ngircd.js';
import { freePort } from '../../../test/helpers/ports.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { expectInbound, find, startBridge, unique, useNgircd } from './helpers.js';

const ircd = useNgircd();

describe('IRC connections (ngircd)', () => {
  it('private messages both ways with nick%network, also started from an occupant JID', async () => {
    const id = unique();
    const b = await startBridge(ircd().port);
    const user = `u${id}@example.org`;
    const native = await connectNativeIrc(ircd().port, `N${id}`);
    native.client.join(`#p${id}`);
    await b.bridge.send({ kind: 'join', user, resource: 'r1', to: `#p${id}%test`, nick: `X${id}` });
    await expectInbound(b.t, 'presence', (e) => !!e.muc?.codes.includes(110), 'joined');
    await b.bridge.send({ kind: 'message', user, resource: 'r1', to: `n${id}%test`, type: 'chat', body: 'direct', receiptRequested: false });
    await native.expect('message', (e) => e.message === 'direct' && e.nick === `X${id}` && e.target === native.nick);
    await b.bridge.send({ kind: 'message', user, resource: 'r1', to: `#p${id}%test`, toResource: `N${id}`, type: 'chat', body: 'through the room', receiptRequested: false });
    await native.expect('message', (e) => e.message === 'through the room');
    native.client.say(`X${id}`, 'reply');
    const pm = await expectInbound(b.t, 'message', (e) => e.body === 'reply', 'PM from IRC');
    expect(pm).toMatchObject({ user, from: `n${id}%test`, type: 'chat' });
    expect(pm.toResource).toBeUndefined();
  });

  it('connection progress and server messages come from the network JID; messages to it are raw commands', async () => {
    const id = unique();
    const b = await startBridge(ircd().port);
    const user = `u${id}@example.org`;
    await b.bridge.send({ kind: 'join', user, resource: 'r1', to: `#s${id}%test`, nick: `X${id}` });
    const fromNet = find(b.t, 'message', (e) => e.from === 'test').map((e) => e.body);
    expect(fromNet[0]).toBe(`Connecting to 127.0.0.1:${ircd().port} (not encrypted)`);
    expect(fromNet).toContain('Connected to IRC server.');
    await b.bridge.send({ kind: 'message', user, resource: 'r1', to: 'test', type: 'chat', body: `WHOIS X${id}`, receiptRequested: false });
    await expectInbound(b.t, 'message', (e) => e.from === 'test' && e.body.startsWith(`irc.test.local: X${id} `), 'WHOIS reply');
  });

  it('a raw QUIT to the network JID ends every room with 110 and 332 and does not reconnect', async () => {
    const id = unique();
    const b = await startBridge(ircd().port);
    const user = `u${id}@example.org`;
    await b.bridge.send({ kind: 'join', user, resource: 'r1', to: `#q${id}%test`, nick: `X${id}` });
    await b.bridge.send({ kind: 'message', user, resource: 'r1', to: 'test', type: 'chat', body: 'QUIT bye bye', receiptRequested: false });
    const gone = await expectInbound(b.t, 'presence', (e) => e.type === 'unavailable' && e.fromResource === `X${id}`, 'self unavailable');
    expect(gone.muc?.codes).toEqual([110, 332]);
    expect(gone.status).toBe('bye bye');
    // A session waiting to reconnect stays registered (state 'reconnecting'): gone from the
    // registry, nothing is left that could reconnect it.
    await waitFor(() => b.bridge.sessionsOf(user).length === 0, 'session ended');
    expect(find(b.t, 'presence', (e) => !!e.status?.includes('reconnecting'))).toEqual([]);
  });

  it('a refused connection ends the join with a presence error and a readable text', async () => {
    const id = unique();
    const closedPort = await freePort();
    const b = await startBridge(closedPort);
    await b.bridge.send({ kind: 'join', user: `u${id}@example.org`, resource: 'r1', to: `#f${id}%test`, nick: `X${id}`, id: 'j' });
    const err = await expectInbound(b.t, 'error', () => true, 'join error');
    expect(err).toMatchObject({ stanza: 'presence', mucJoin: true, condition: 'remote-server-not-found', id: 'j' });
    expect(err.text).toMatch(/Connection refused/);
    expect(b.bridge.sessionsOf(`u${id}@example.org`)).toEqual([]);
  });

  it('an unknown network is item-not-found and a nick in use at connection is conflict', async () => {
    const id = unique();
    const b = await startBridge(ircd().port);
    expect(() => b.bridge.resolve(`#x%nowhere`)).toThrow(expect.objectContaining({ condition: 'item-not-found' }));
    expect(b.bridge.resolve(`#x%127.0.0.1`)).toMatchObject({ kind: 'room' });
    const native = await connectNativeIrc(ircd().port, `N${id}`);
    await b.bridge.send({ kind: 'join', user: `u${id}@example.org`, resource: 'r1', to: `#x${id}%test`, nick: native.nick });
    const err = await expectInbound(b.t, 'error', () => true, 'conflict');
    expect(err.condition).toBe('conflict');
  });

  it('connections per user are limited with resource-constraint', async () => {
    const id = unique();
    const server = { servers: [{ host: 'localhost', port: ircd().port, tls: false }] };
    const b = await startBridge(ircd().port, { limits: { connections_per_user: 1 }, networks: { test: { servers: [{ host: '127.0.0.1', port: ircd().port, tls: false }] }, other: server } });
    const user = `u${id}@example.org`;
    await b.bridge.send({ kind: 'join', user, resource: 'r1', to: `#l${id}%test`, nick: `X${id}` });
    await b.bridge.send({ kind: 'join', user, resource: 'r1', to: `#l${id}%other`, nick: `X${id}`, id: 'j2' });
    const refused = await expectInbound(b.t, 'error', (e) => e.id === 'j2', 'the second join refused');
    expect(refused).toMatchObject({ condition: 'resource-constraint', stanza: 'presence', mucJoin: true, toResource: 'r1' });
  });
});

describe('IRC reconnects and flood control (ngircd)', () => {
  it('after the IRC server restarts, channels are rejoined and the user is told', async () => {
    const own = await startNgircd();
    const id = unique();
    const b = await startBridge(own.port);
    const user = `u${id}@example.org`;
    await b.bridge.send({ kind: 'join', user, resource: 'r1', to: `#r${id}%test`, nick: `X${id}` });
    await expectInbound(b.t, 'presence', (e) => !!e.muc?.codes.includes(110), 'joined');
    await own.restart(300);
    await expectInbound(b.t, 'presence', (e) => !!e.status?.includes('reconnecting'), 'told about the loss');
    const back = await expectInbound(b.t, 'presence', (e) => !!e.status?.startsWith('Rejoined'), 'rejoined', 20_000);
    expect(back.muc?.codes).toEqual([110, 100]);
    const native = await connectNativeIrc(own.port, `N${id}`);
    native.client.join(`#r${id}`);
    await native.expect('userlist', (e) => JSON.stringify(e).includes(`X${id}`)).catch(() => undefined);
    await b.bridge.send({ kind: 'message', user, resource: 'r1', to: `#r${id}%test`, type: 'groupchat', body: 'after restart', receiptRequested: false });
    await native.expect('message', (e) => e.message === 'after restart');
  }, 60_000);

  it('a message sent while the connection is down is retried, not lost', async () => {
    const own = await startNgircd();
    const id = unique();
    const b = await startBridge(own.port, {}, { reconnect: { initial_delay_ms: 1500, max_delay_ms: 3000 } });
    const user = `u${id}@example.org`;
    await b.bridge.send({ kind: 'join', user, resource: 'r1', to: `#d${id}%test`, nick: `X${id}` });
    await expectInbound(b.t, 'presence', (e) => !!e.muc?.codes.includes(110), 'joined');
    await own.restart();
    await expectInbound(b.t, 'presence', (e) => !!e.status?.includes('reconnecting'), 'loss noticed');
    const ev = { kind: 'message', user, resource: 'r1', to: `#d${id}%test`, type: 'groupchat', body: 'during outage', id: 'out1', receiptRequested: false } as const;
    await expect(b.bridge.send(ev)).rejects.toMatchObject({ name: 'RetryableError' });
    // The outbox retries after the rejoin: the message arrives, once.
    await expectInbound(b.t, 'presence', (e) => !!e.status?.startsWith('Rejoined'), 'rejoined', 20_000);
    const native = await connectNativeIrc(own.port, `N${id}`);
    native.client.join(`#d${id}`);
    await native.expect('join');
    await b.bridge.send(ev);
    await native.expect('message', (e) => e.message === 'during outage');
    // A second copy would leave the same connection's queue before this later line.
    await b.bridge.send({ ...ev, body: 'after outage', id: 'out2' });
    await native.expect('message', (e) => e.message === 'after outage');
    expect(native.events.filter((e) => e.event === 'message' && e.message === 'during outage')).toHaveLength(1);
  }, 60_000);

  it('a burst of 20 lines arrives in order without an Excess Flood under the default throttle and ngircd flood control', async () => {
    const strict = await startNgircd({ maxPenaltyTime: -1 });
    const id = unique();
    const b = await startBridge(strict.port, {}, { throttle: { burst: 10, lines_per_second: 1 } });
    const user = `u${id}@example.org`;
    const native = await connectNativeIrc(strict.port, `N${id}`);
    native.client.join(`#b${id}`);
    await native.expect('join');
    await b.bridge.send({ kind: 'join', user, resource: 'r1', to: `#b${id}%test`, nick: `X${id}` });
    const body = Array.from({ length: 20 }, (_, i) => `line ${i}`).join('\n');
    await b.bridge.send({ kind: 'message', user, resource: 'r1', to: `#b${id}%test`, type: 'groupchat', body, receiptRequested: false });
    await native.expect('message', (e) => e.message === 'line 19', 30_000);
    const got = native.events.filter((e) => e.event === 'message' && e.nick === `X${id}`).map((e) => e.message);
    expect(got).toEqual(Array.from({ length: 20 }, (_, i) => `line ${i}`));
    expect(native.events.some((e) => e.event === 'quit' && /flood/i.test(String(e.message)))).toBe(false);
  }, 60_000);

  it('a K-line stops reconnects and tells the user why', async () => {
    const own = await startNgircd();
    const id = unique();
    const b = await startBridge(own.port, {}, { username: 'kb{nick}' });
    const user = `u${id}@example.org`;
    await b.bridge.send({ kind: 'join', user, resource: 'r1', to: `#kl${id}%test`, nick: `X${id}` });
    await expectInbound(b.t, 'presence', (e) => !!e.muc?.codes.includes(110), 'joined');
    const oper = await connectNativeIrc(own.port, `O${id}`);
    oper.client.raw('OPER', 'testop', 'testpass');
    await oper.sync();
    oper.client.raw('KLINE', `*!*kb*@*`, '3600', 'no bridges here');
    const gone = await expectInbound(b.t, 'presence', (e) => e.type === 'unavailable' && !!e.muc?.codes.includes(332), 'given up', 20_000);
    expect(gone.status).toMatch(/no bridges here|banned|K-Lined/i);
    await waitFor(() => b.bridge.sessionsOf(user).length === 0, 'session ended');
  }, 60_000);
});
