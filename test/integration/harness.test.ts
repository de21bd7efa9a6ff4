// Smoke test of the real-server harness: both XMPP servers start from the fixtures, real
// clients log in and exchange messages, a raw XEP-0114 component authenticates, and restart()
// keeps ports and accounts. If this fails, every integration test would fail for the same reason.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { xml } from '@xmpp/client';
import { createHash } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { missingBinaryMessage, requireBinary } from '../helpers/binaries.js';
import { startEjabberd } from '../helpers/ejabberd.js';
import { startFakeComponentServer } from '../helpers/fake-xmpp-server.js';
import { startProsody } from '../helpers/prosody.js';
import type { XmppServer, XmppServerOptions } from '../helpers/server-process.js';
import { waitFor } from '../helpers/wait.js';
import { connectClient, type TestClient } from '../helpers/xmpp-client.js';

const COMPONENT = { domain: 'echo.localhost', secret: 's3cret' };
const USERS = [
  { username: 'alice', password: 'alice-pw' },
  { username: 'bob', password: 'bob-pw' },
];

/** A minimal XEP-0114 component written against the spec, independent of src/xmpp. */
interface RawComponent {
  socket: Socket;
  /** Everything received after the handshake. */
  data(): string;
}

async function connectRawComponent(port: number, domain: string, secret: string): Promise<RawComponent> {
  const socket = connect({ host: '127.0.0.1', port });
  let buffer = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (buffer += chunk));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.write(
    `<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' to='${domain}'>`,
  );
  const streamId = await waitFor(
    () => /<stream:stream\b[^>]*\sid=['"]([^'"]+)['"]/.exec(buffer)?.[1],
    `stream header with an id from the server; got: ${buffer}`,
  );
  const digest = createHash('sha1').update(streamId + secret).digest('hex');
  socket.write(`<handshake>${digest}</handshake>`);
  // waitFor retries on exceptions, so report a rejection as a value and throw afterwards.
  const outcome = await waitFor(() => {
    if (buffer.includes('stream:error')) return 'rejected';
    return /<handshake\s*\/>|<handshake><\/handshake>/.test(buffer) && 'accepted';
  }, 'empty <handshake/> from the server');
  if (outcome === 'rejected') {
    socket.destroy();
    throw new Error(`handshake rejected: ${buffer}`);
  }
  const start = buffer.length;
  return { socket, data: () => buffer.slice(start) };
}

function isChatFrom(from: string, body: string) {
  return (el: { name: string; attrs: Record<string, string>; getChildText(n: string): string | null }) =>
    el.name === 'message' && el.attrs['from']?.startsWith(from) === true && el.getChildText('body') === body;
}

describe('requireBinary', () => {
  it('fails with the exact apt-get line when a binary is missing', () => {
    expect(() => requireBinary('no-such-server-xyz', 'no-such-package')).toThrow(
      'missing no-such-server-xyz: install it with: apt-get install -y no-such-package',
    );
    expect(missingBinaryMessage('prosody', 'prosody')).toBe('missing prosody: install it with: apt-get install -y prosody');
  });

  it('returns the absolute path of an installed binary, including /usr/sbin ones', () => {
    expect(requireBinary('sh', 'dash')).toMatch(/^\/.*\/sh$/);
    expect(requireBinary('ejabberdctl', 'ejabberd')).toMatch(/^\/.*\/ejabberdctl$/);
  });
});

describe('fake component server', () => {
  it('accepts the right digest, records stanzas, rejects a wrong one', async () => {
    const fake = await startFakeComponentServer({ secret: 'pw', domain: 'gw.localhost' });
    try {
      const component = await connectRawComponent(fake.port, 'gw.localhost', 'pw');
      component.socket.write("<message from='a@gw.localhost' to='u@localhost'><body>hi &amp; bye</body></message>");
      const msg = await fake.waitForStanza((el) => el.is('message', 'jabber:component:accept'), 'message from the component');
      expect(msg.getChildText('body')).toBe('hi & bye');
      expect(fake.headers[0]?.['to']).toBe('gw.localhost');
      fake.sendRaw("<message from='u@localhost/r' to='a@gw.localhost'><body>back</body></message>");
      await waitFor(() => component.data().includes('<body>back</body>'), 'injected stanza at the component');
      component.socket.destroy();

      await expect(connectRawComponent(fake.port, 'gw.localhost', 'wrong')).rejects.toThrow(/not-authorized/);
      await expect(connectRawComponent(fake.port, 'other.localhost', 'pw')).rejects.toThrow(/host-unknown/);
      fake.acceptHandshake = 'conflict';
      await expect(connectRawComponent(fake.port, 'gw.localhost', 'pw')).rejects.toThrow(/<conflict /);
      expect(fake.connections).toBe(4);
      expect(fake.handshakes).toHaveLength(3);
    } finally {
      await fake.close();
    }
  });
});

const servers: Array<[string, (opts: XmppServerOptions) => Promise<XmppServer>]> = [
  ['prosody', startProsody],
  ['ejabberd', startEjabberd],
];

describe.each(servers)('%s harness', (kind, start) => {
  let server: XmppServer;
  const clients: TestClient[] = [];
  const login = async (username: string, password: string): Promise<TestClient> => {
    const c = await connectClient(server, username, password);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    server = await start({ components: [COMPONENT], users: USERS });
  }, 90_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.stop()));
    await server?.stop();
  }, 90_000);

  it('starts on loopback ports with the requested domain', () => {
    expect(server.kind).toBe(kind);
    expect(server.domain).toBe('localhost');
    expect(server.c2sPort).not.toBe(server.componentPort);
  });

  it('delivers a chat message from alice to bob', async () => {
    const alice = await login('alice', 'alice-pw');
    const bob = await login('bob', 'bob-pw');
    expect(alice.jid).toMatch(/^alice@localhost\/test-/);
    await alice.send(xml('message', { to: 'bob@localhost', type: 'chat' }, xml('body', {}, 'hello bob')));
    const got = await bob.waitForStanza(isChatFrom('alice@localhost/', 'hello bob'), 'alice→bob chat');
    // Sent to the bare JID, so both servers deliver it with the bare JID in `to`.
    expect(got.attrs['to']).toBe('bob@localhost');
  });

  it('returns iq errors as stanzas instead of throwing', async () => {
    const alice = await login('alice', 'alice-pw');
    // No component is connected for echo.localhost at this point.
    const reply = await alice.iq(
      xml('iq', { type: 'get', to: 'nobody@localhost' }, xml('query', { xmlns: 'jabber:iq:version' })),
    );
    expect(reply.attrs['type']).toBe('error');
    expect(reply.getChild('error')).toBeDefined();
  });

  it('lets a raw XEP-0114 component authenticate and message a user', async () => {
    const alice = await login('alice', 'alice-pw');
    const component = await connectRawComponent(server.componentPort, COMPONENT.domain, COMPONENT.secret);
    try {
      component.socket.write(
        `<message from='bot@${COMPONENT.domain}' to='${alice.jid}' type='chat'><body>from the component</body></message>`,
      );
      await alice.waitForStanza(isChatFrom(`bot@${COMPONENT.domain}`, 'from the component'), 'component→alice');

      await alice.send(xml('message', { to: `bot@${COMPONENT.domain}`, type: 'chat' }, xml('body', {}, 'to the component')));
      await waitFor(() => component.data().includes('to the component'), 'alice→component message at the component');
    } finally {
      component.socket.destroy();
    }
  });

  it('registers users at run time', async () => {
    await server.addUser('carol', 'carol-pw');
    const carol = await login('carol', 'carol-pw');
    expect(carol.bareJid).toBe('carol@localhost');
  });

  it('restarts on the same ports with the same accounts', async () => {
    const ports = [server.c2sPort, server.componentPort];
    const survivor = clients.pop();
    await Promise.all(clients.splice(0).map((c) => c.stop()));
    await server.restart();
    expect([server.c2sPort, server.componentPort]).toEqual(ports);
    // A client connected across the restart is dropped and stays down (no auto-reconnect).
    const down = ['disconnect', 'offline'];
    await waitFor(() => down.includes(survivor?.xmpp.status ?? 'offline'), 'the surviving client to be disconnected');
    await survivor?.stop();
    const alice = await login('alice', 'alice-pw');
    const carol = await login('carol', 'carol-pw');
    await carol.send(xml('message', { to: 'alice@localhost', type: 'chat' }, xml('body', {}, 'after restart')));
    await alice.waitForStanza(isChatFrom('carol@localhost/', 'after restart'), 'carol→alice after restart');
  }, 90_000);
});
