// The operator's surface on a running gateway: /healthz and /metrics, SIGHUP reloading access
// lists without reconnecting, the dead-letters admin command (list, retry, discard), and SIGTERM
// stopping gracefully with the component stream closed.
import { xml } from '@xmpp/client';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { startEjabberd } from '../helpers/ejabberd.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';
import { healthz, metric, metricsText } from '../helpers/gateway-http.js';
import { startProsody } from '../helpers/prosody.js';
import type { XmppServer, XmppServerOptions } from '../helpers/server-process.js';
import { waitFor } from '../helpers/wait.js';
import { connectClient, type TestClient } from '../helpers/xmpp-client.js';
import { errorCondition } from '../helpers/stanza-assert.js';

const PLUGIN_MODULE = resolve(import.meta.dirname, '../fixtures/plugin-bridge/bridge.mjs');
const ECHO = 'echo.localhost';
const PLUGIN = 'plugin.localhost';
const NS_COMMANDS = 'http://jabber.org/protocol/commands';

const servers: Array<[string, (opts: XmppServerOptions) => Promise<XmppServer>]> = [
  ['prosody', startProsody],
  ['ejabberd', startEjabberd],
];

const chat = (to: string, id: string, body: string) => xml('message', { to, type: 'chat', id }, xml('body', {}, body));

describe.each(servers)('operating the gateway with %s', (_name, start) => {
  let server: XmppServer;
  let gateway: RunningGateway;
  let alice: TestClient;
  let carol: TestClient;
  let admin: TestClient;

  const command = (node: string, extra: Record<string, string> = {}, form?: ReturnType<typeof xml>) =>
    admin.iq(xml('iq', { type: 'set', to: PLUGIN }, xml('command', { xmlns: NS_COMMANDS, node, ...extra }, ...(form ? [form] : []))));

  beforeAll(async () => {
    server = await start({
      components: [
        { domain: ECHO, secret: 'ops-echo' },
        { domain: PLUGIN, secret: 'ops-plugin' },
      ],
      users: ['alice', 'carol', 'admin'].map((u) => ({ username: u, password: `pw-${u}` })),
      logLevel: 'debug',
    });
    gateway = await startGateway({
      xmppPort: server.componentPort,
      admins: [`admin@${server.domain}`],
      access: { users: [`alice@${server.domain}`] },
      // One attempt only: a message the plugin fails once becomes a dead letter at once.
      extra: { outbox: { max_attempts: 1, base_delay_ms: 200, max_delay_ms: 2000 } },
      bridges: {
        echo: { domain: ECHO, component_secret: 'ops-echo' },
        plugin: { module: PLUGIN_MODULE, domain: PLUGIN, component_secret: 'ops-plugin', options: { fail_first: 1 } },
      },
    });
    [alice, carol, admin] = await Promise.all(['alice', 'carol', 'admin'].map((u) => connectClient(server, u, `pw-${u}`)));
  });

  afterAll(async () => {
    await gateway?.stop();
    await Promise.all([alice?.stop(), carol?.stop(), admin?.stop()]);
    await server?.stop();
  });

  it('reports healthy and exports the gateway and process metrics', async () => {
    const health = await healthz(gateway);
    expect(health).toEqual({ status: 200, body: { status: 'ok', problems: [], bridges: { echo: { canDeliver: true }, plugin: { canDeliver: true } } } });
    await alice.send(chat(`m@${ECHO}`, 'metrics-1', 'count me'));
    await alice.waitForStanza((s) => s.getChildText('body') === 'count me', 'echo');
    await waitFor(async () => (await metric(gateway, 'switchboard_deliveries_total', { bridge: 'echo', direction: 'in', outcome: 'done' })) >= 1, 'in delivery counted');
    const text = await metricsText(gateway);
    for (const name of ['switchboard_stanzas_in_total', 'switchboard_stanzas_out_total', 'switchboard_outbox_depth', 'switchboard_deliveries_total', 'switchboard_component_online']) {
      expect(text).toContain(`# TYPE ${name} `);
    }
    expect(await metric(gateway, 'switchboard_stanzas_in_total', { bridge: 'echo', kind: 'message' })).toBeGreaterThanOrEqual(1);
    expect(await metric(gateway, 'switchboard_deliveries_total', { bridge: 'echo', direction: 'out', outcome: 'done' })).toBeGreaterThanOrEqual(1);
    expect(await metric(gateway, 'switchboard_outbox_depth', { bridge: 'echo' })).toBe(0);
    expect(await metric(gateway, 'switchboard_component_online', { bridge: 'plugin' })).toBe(1);
    expect(text).toMatch(/^switchboard_process_cpu_seconds_total \d/m);
    expect(text).toMatch(/^switchboard_process_resident_memory_bytes \d/m);
    expect(text).toMatch(/^switchboard_nodejs_heap_size_used_bytes \d/m);
  });

  it('lets a user added to the access list in on SIGHUP, without reconnecting the components', async () => {
    await carol.send(chat(`h@${ECHO}`, 'hup-1', 'before reload'));
    const refused = await carol.waitForStanza((s) => s.is('message') && s.attrs.id === 'hup-1' && s.attrs.type === 'error', 'forbidden');
    expect(errorCondition(refused)).toBe('forbidden');

    const config = parse(readFileSync(gateway.configFile, 'utf8')) as { access: { users: string[] } };
    config.access.users.push(`carol@${server.domain}`);
    writeFileSync(gateway.configFile, stringify(config));
    const reloads = gateway.logs().filter((l) => l.event === 'reloaded').length;
    gateway.process.kill('SIGHUP');
    await waitFor(() => gateway.logs().filter((l) => l.event === 'reloaded').length > reloads, 'reloaded log line');
    expect(gateway.logs().filter((l) => l.event === 'reloaded').at(-1)).toMatchObject({ needsRestart: false });

    await carol.send(chat(`h@${ECHO}`, 'hup-2', 'after reload'));
    const echo = await carol.waitForStanza((s) => s.is('message') && s.getChildText('body') === 'after reload', 'echo for carol');
    expect(echo.attrs.from).toBe(`h@${ECHO}`);
    const events = gateway.logs().map((l) => l.event);
    expect(events.filter((e) => e === 'online')).toHaveLength(2);
    expect(events).not.toContain('reconnect');
    expect(gateway.process.exitCode).toBeNull();
  });

  it('lists dead letters to an admin, who retries one and discards another', async () => {
    const deadLetter = async (id: string, body: string) => {
      await alice.send(chat(`x@${PLUGIN}`, id, body));
      const error = await alice.waitForStanza((s) => s.is('message') && s.attrs.id === id && s.attrs.type === 'error', `dead letter report for ${id}`);
      expect(error.attrs.from).toBe(`x@${PLUGIN}`);
      expect(errorCondition(error)).toBe('remote-server-timeout');
    };
    await deadLetter('dl-retry', 'second time lucky');
    await deadLetter('dl-discard', 'never mind');
    expect(await metric(gateway, 'switchboard_dead_letters', { bridge: 'plugin' })).toBe(2);

    const listing = async () => {
      const first = await command('dead-letters');
      const cmd = first.getChild('command')!;
      const field = cmd.getChild('x', 'jabber:x:data')?.getChildren('field').find((f) => f.attrs.var === 'items');
      const options = (field?.getChildren('option') ?? []).map((o) => ({ value: o.getChildText('value')!, label: o.attrs.label ?? '' }));
      return { cmd, options };
    };
    const act = async (sessionid: string, item: string, action: 'retry' | 'discard') => {
      const form = xml(
        'x',
        { xmlns: 'jabber:x:data', type: 'submit' },
        xml('field', { var: 'items' }, xml('value', {}, item)),
        xml('field', { var: 'action' }, xml('value', {}, action)),
      );
      const done = await command('dead-letters', { sessionid, action: 'complete' }, form);
      expect(done.getChild('command')?.attrs.status).toBe('completed');
      return done.getChild('command')?.getChildText('note') ?? '';
    };

    const { cmd, options } = await listing();
    expect(cmd.attrs.status).toBe('executing');
    expect(options).toHaveLength(2);
    for (const o of options) expect(o.label).toMatch(new RegExp(`alice@${server.domain}: message to x .*plugin network down`));
    // The first one in the list is the first one sent: its retry succeeds this time.
    expect(await act(cmd.attrs.sessionid!, options[0]!.value, 'retry')).toMatch(/^1 item\(s\) queued again/);
    await alice.waitForStanza((s) => s.is('message') && s.getChildText('body') === 'plugin says second time lucky', 'retried message answered');

    const again = await listing();
    expect(again.options).toHaveLength(1);
    expect(await act(again.cmd.attrs.sessionid!, again.options[0]!.value, 'discard')).toMatch(/^1 item\(s\) discarded/);
    const empty = await command('dead-letters');
    expect(empty.getChild('command')?.getChildText('note')).toMatch(/no dead letters/);
    expect(await metric(gateway, 'switchboard_dead_letters', { bridge: 'plugin' })).toBe(0);
    expect(alice.received.some((s) => s.getChildText('body') === 'plugin says never mind')).toBe(false);
  });

  it('answers /healthz with 503 and the reason while the XMPP server is down, and 200 once back', { timeout: 90_000 }, async () => {
    const onlineBefore = gateway.logs().filter((l) => l.event === 'online').length;
    await server.restart(async () => {
      const health = await waitFor(async () => {
        const h = await healthz(gateway);
        return h.body.problems.length === 2 && h;
      }, 'both components reported down');
      expect(health.status).toBe(503);
      expect(health.body.status).toBe('unavailable');
      expect(health.body.problems).toEqual([expect.stringMatching(new RegExp(`^component ${ECHO} is `)), expect.stringMatching(new RegExp(`^component ${PLUGIN} is `))]);
    });
    await waitFor(() => gateway.logs().filter((l) => l.event === 'online').length >= onlineBefore + 2, 'both components online again', 30_000);
    expect((await healthz(gateway)).status).toBe(200);
  });

  it('stops gracefully on SIGTERM: exit code 0 and both component streams closed', { timeout: 60_000 }, async () => {
    const closedBefore = streamCloses(server.logs());
    const code = await gateway.stop();
    expect(code).toBe(0);
    const events = gateway.logs().map((l) => l.event);
    expect(events).toContain('stopping');
    expect(events.at(-1)).toBe('stopped');
    // The server received </stream:stream> from each component (not a dropped socket).
    await waitFor(() => streamCloses(server.logs()) >= closedBefore + 2, 'server saw both streams closed');
  });
});

/** How many `</stream:stream>` the server logged receiving (Prosody and ejabberd at debug level). */
function streamCloses(logs: string): number {
  return (logs.match(/Received <\/stream:stream>|Received XML on stream = <<"<\/stream:stream>">>/g) ?? []).length;
}
