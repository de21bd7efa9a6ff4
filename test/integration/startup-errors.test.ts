// Start-up mistakes an operator makes: a wrong component secret or a domain the XMPP server does
// not know makes the process exit 2 with a message naming the domain, the server and the fix;
// `switchboard check-config` lists every problem of a config file with its path and line.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEjabberd } from '../helpers/ejabberd.js';
import { CLI, requireBuild, startGateway, type RunningGateway } from '../helpers/gateway.js';
import { startProsody } from '../helpers/prosody.js';
import type { XmppServer, XmppServerOptions } from '../helpers/server-process.js';

const DOMAIN = 'echo.localhost';
const SECRET = 'the-right-secret';

const servers: Array<[string, (opts: XmppServerOptions) => Promise<XmppServer>]> = [
  ['prosody', startProsody],
  ['ejabberd', startEjabberd],
];

describe.each(servers)('start-up against %s', (_name, start) => {
  let server: XmppServer;
  const gateways: RunningGateway[] = [];
  const run = async (domain: string, secret: string) => {
    const gw = await startGateway({ xmppPort: server.componentPort, bridges: { echo: { domain, component_secret: secret } }, noWait: true });
    gateways.push(gw);
    return { gw, code: await gw.exited };
  };

  beforeAll(async () => {
    server = await start({ components: [{ domain: DOMAIN, secret: SECRET }], users: [] });
  });
  afterAll(async () => {
    for (const gw of gateways) await gw.kill();
    await server?.stop();
  });

  it('exits 2 on a wrong secret, naming the domain, the server and the likely fix', async () => {
    const { gw, code } = await run(DOMAIN, 'not-the-secret');
    expect(code).toBe(2);
    const stderr = gw.stderr();
    expect(stderr).toContain(`wrong component_secret for ${DOMAIN}?`);
    expect(stderr).toContain(`127.0.0.1:${server.componentPort}`);
    expect(stderr).toMatch(/not-authorized/);
    expect(gw.stdout() + stderr).not.toContain('not-the-secret');
    // Fatal means no reconnect loop.
    expect(gw.logs().filter((l) => l.event === 'connecting')).toHaveLength(1);
  });

  it('exits 2 with a clear message when the server has no such component domain', async () => {
    const { gw, code } = await run('unknown.localhost', SECRET);
    expect(code).toBe(2);
    const stderr = gw.stderr();
    expect(stderr).toContain('unknown.localhost');
    expect(stderr).toContain(`127.0.0.1:${server.componentPort}`);
    // Prosody and ejabberd answer an unknown component host differently; both must be explained.
    expect(stderr).toMatch(/has no component unknown\.localhost|wrong component_secret for unknown\.localhost\?/);
  });
});

describe('switchboard check-config', () => {
  let dir: string;
  beforeAll(() => {
    requireBuild();
    dir = mkdtempSync(join(tmpdir(), 'switchboard-check-'));
  });
  const check = (name: string, yaml: string, env: Record<string, string> = {}) => {
    const file = join(dir, name);
    writeFileSync(file, yaml);
    const res = spawnSync(process.execPath, [CLI, 'check-config', file], { encoding: 'utf8', env: { ...process.env, ...env } });
    return { code: res.status, out: res.stdout, err: res.stderr, file };
  };

  it('exits 0 on a valid file and says which bridges it enables', () => {
    const res = check(
      'valid.yaml',
      ['xmpp:', '  port: 5347', 'bridges:', '  echo:', '    domain: echo.example.org', '    component_secret: ${ECHO_SECRET}', ''].join('\n'),
      { ECHO_SECRET: 's3cret' },
    );
    expect(res.err).toBe('');
    expect(res.code).toBe(0);
    expect(res.out).toContain('echo on echo.example.org');
  });

  it('exits 1 listing every problem at once with its path and line', () => {
    const yaml = [
      'xmpp:', //                                   1
      '  port: 99999', //                           2 out of range
      '  hots: 127.0.0.1', //                       3 typo of host
      'admins:', //                                 4
      '  - not-a-jid', //                           5
      'bridges:', //                                6
      '  echo:', //                                 7
      '    domain: echo.example.org', //            8
      '    component_secret: ${SWITCHBOARD_UNSET_FOR_TEST}', // 9
      '    options:', //                            10
      '      delay_ms: -5', //                      11
      '      prefixx: "> "', //                     12 typo of prefix
      '',
    ].join('\n');
    const res = check('broken.yaml', yaml);
    expect(res.code).toBe(1);
    expect(res.out).toBe('');
    const lines = res.err.split('\n');
    const problem = (path: string, line: number, what: RegExp) =>
      expect(lines.find((l) => l.trim().startsWith(`${path} (line ${line}):`)), `${path} in:\n${res.err}`).toMatch(what);
    expect(lines[0]).toMatch(new RegExp(`${res.file}: \\d+ problems:`));
    problem('xmpp.port', 2, /65535|too big|less than/i);
    problem('xmpp', 3, /Unrecognized key: "hots"/);
    problem('admins.0', 5, /bare JID/);
    problem('bridges.echo.component_secret', 9, /SWITCHBOARD_UNSET_FOR_TEST is not set/);
    problem('bridges.echo.options.delay_ms', 11, /0|small/i);
    problem('bridges.echo.options', 12, /Unrecognized key: "prefixx"/);
  });

  it('exits 1 naming an unknown bridge and a file that cannot be read', () => {
    const unknown = check('unknown.yaml', ['bridges:', '  telegraph:', '    domain: t.example.org', '    component_secret: x', ''].join('\n'));
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/bridges\.telegraph \(line 2\): unknown bridge "telegraph"/);
    const missing = spawnSync(process.execPath, [CLI, 'check-config', join(dir, 'nope.yaml')], { encoding: 'utf8' });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/nope\.yaml.*cannot read the file/s);
  });
});

describe('switchboard stop', () => {
  it('exits 1 with the usage without a valid --pid, and with the reason for a process that does not exist', () => {
    const noPid = spawnSync(process.execPath, [CLI, 'stop', '--final'], { encoding: 'utf8' });
    expect(noPid.status).toBe(1);
    expect(noPid.stderr).toMatch(/--pid PID is required/);
    const gone = spawnSync(process.execPath, [CLI, 'stop', '--pid', '2147483646'], { encoding: 'utf8' });
    expect(gone.status).toBe(1);
    expect(gone.stderr).toMatch(/switchboard stop: .*ESRCH/);
  });
});
