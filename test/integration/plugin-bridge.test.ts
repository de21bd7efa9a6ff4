// Pluggable means pluggable: a bridge module that lives only in test/fixtures/plugin-bridge/,
// named by `module:` in the config, is loaded at start-up, its options are validated by its own
// schema like a built-in bridge's, and messages go through it end to end on a real server.
import { xml } from '@xmpp/client';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEjabberd } from '../helpers/ejabberd.js';
import { CLI, requireBuild, startGateway, type RunningGateway } from '../helpers/gateway.js';
import { startProsody } from '../helpers/prosody.js';
import type { XmppServer, XmppServerOptions } from '../helpers/server-process.js';
import { connectClient, type TestClient } from '../helpers/xmpp-client.js';

const PLUGIN_MODULE = resolve(import.meta.dirname, '../fixtures/plugin-bridge/bridge.mjs');
const DOMAIN = 'plugin.localhost';
const SECRET = 'plugin-secret';

const servers: Array<[string, (opts: XmppServerOptions) => Promise<XmppServer>]> = [
  ['prosody', startProsody],
  ['ejabberd', startEjabberd],
];

describe.each(servers)('a bridge loaded from a module, through %s', (_name, start) => {
  let server: XmppServer;
  let gateway: RunningGateway;
  let alice: TestClient;

  beforeAll(async () => {
    server = await start({ components: [{ domain: DOMAIN, secret: SECRET }], users: [{ username: 'alice', password: 'pw-alice' }] });
    gateway = await startGateway({
      xmppPort: server.componentPort,
      access: { users: [`alice@${server.domain}`] },
      bridges: { plugin: { module: PLUGIN_MODULE, domain: DOMAIN, component_secret: SECRET, options: { greeting: 'plugged in:' } } },
    });
    alice = await connectClient(server, 'alice', 'pw-alice');
  });

  afterAll(async () => {
    await alice?.stop();
    await gateway?.stop();
    await server?.stop();
  });

  it('starts the module with its validated options and answers through it', async () => {
    expect(gateway.logs().find((l) => l.event === 'plugin_started')).toMatchObject({ bridge: 'plugin', greeting: 'plugged in:' });
    await alice.send(xml('message', { to: `bob@${DOMAIN}`, type: 'chat', id: 'p1' }, xml('body', {}, 'hello plugin')));
    const reply = await alice.waitForStanza((s) => s.is('message') && s.getChildText('body') === 'plugged in: hello plugin', 'plugin reply');
    expect(reply.attrs).toMatchObject({ from: `bob@${DOMAIN}`, type: 'chat' });
    expect(reply.attrs.to).toMatch(new RegExp(`^alice@${server.domain}`));
  });

  it('shows a contact of a network without presence as unavailable, with the reason, while the bridge cannot deliver', async () => {
    const contact = `carol@${DOMAIN}`;
    const presenceOf = (available: boolean) => (s: import('ltx').Element) =>
      s.is('presence') && s.attrs.from === contact && (available ? s.attrs.type === undefined : s.attrs.type === 'unavailable');
    await alice.send(xml('presence', { to: contact, type: 'subscribe' }));
    await alice.waitForStanza(presenceOf(true), 'available presence after subscribing');
    await alice.send(xml('message', { to: contact, type: 'chat' }, xml('body', {}, '!down')));
    const down = await alice.waitForStanza(presenceOf(false), 'unavailable presence while the network is down');
    expect(down.getChildText('status')).toBe('plugin network unreachable (test)');
    await alice.send(xml('presence', { to: contact, type: 'probe' }));
    await alice.waitForStanza(presenceOf(false), 'a probe answered with the same state');
    await alice.send(xml('message', { to: contact, type: 'chat' }, xml('body', {}, '!up')));
    await alice.waitForStanza(presenceOf(true), 'available again once the network is back');
  });

  it('gives the module domain the core services: disco identity from the module, ping', async () => {
    const info = await alice.iq(xml('iq', { type: 'get', to: DOMAIN }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' })));
    expect(info.getChild('query')?.getChild('identity')?.attrs).toMatchObject({ category: 'gateway', type: 'plugin', name: 'Test plugin bridge' });
    const ping = await alice.iq(xml('iq', { type: 'get', to: DOMAIN }, xml('ping', { xmlns: 'urn:xmpp:ping' })));
    expect(ping.attrs.type).toBe('result');
  });
});

describe('check-config with a bridge module', () => {
  let dir: string;
  beforeAll(() => {
    requireBuild();
    dir = mkdtempSync(join(tmpdir(), 'switchboard-plugin-'));
  });
  const check = (name: string, module: string, options: string[]) => {
    const file = join(dir, name);
    const lines = ['bridges:', '  plugin:', `    module: ${JSON.stringify(module)}`, '    domain: plugin.example.org', '    component_secret: x', ...options, ''];
    writeFileSync(file, lines.join('\n'));
    const res = spawnSync(process.execPath, [CLI, 'check-config', file], { encoding: 'utf8' });
    return { code: res.status, out: res.stdout, err: res.stderr };
  };

  it('resolves a relative module path from the config file and accepts valid options', () => {
    const rel = relative(dir, PLUGIN_MODULE);
    expect(rel.startsWith('..')).toBe(true);
    const res = check('ok.yaml', rel, ['    options:', '      fail_first: 2']);
    expect(res.err).toBe('');
    expect(res.code).toBe(0);
    expect(res.out).toContain('plugin on plugin.example.org');
  });

  it('refuses bad options with the path into the module options and their line', () => {
    const res = check('bad.yaml', PLUGIN_MODULE, ['    options:', '      greeting: 42', '      fail_frist: 1']);
    expect(res.code).toBe(1);
    expect(res.err).toMatch(/bridges\.plugin\.options\.greeting \(line 7\): .*string/i);
    expect(res.err).toMatch(/bridges\.plugin\.options \(line 8\): Unrecognized key: "fail_frist"/);
  });

  it('refuses a module that cannot be found, naming it', () => {
    const res = check('missing.yaml', './no-such-bridge.mjs', []);
    expect(res.code).toBe(1);
    expect(res.err).toMatch(/bridges\.plugin\.module \(line 3\): .*no-such-bridge\.mjs/);
  });
});
