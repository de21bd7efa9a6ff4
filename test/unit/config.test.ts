import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinBridges } from '../../bridges/index.js';
import { ConfigError, parseConfig } from '../../src/config.js';

const EXAMPLE = resolve(import.meta.dirname, '../../config.example.yaml');

async function problemsOf(text: string, env: NodeJS.ProcessEnv = {}) {
  try {
    await parseConfig(text, 'test.yaml', builtinBridges, env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected the config to be refused');
}

const MINIMAL = `
bridges:
  echo:
    domain: echo.example.org
    component_secret: s
`;

describe('config', () => {
  it('parses config.example.yaml, every documented option included', async () => {
    const env: NodeJS.ProcessEnv = {};
    const text = readFileSync(EXAMPLE, 'utf8');
    for (const m of text.matchAll(/\$\{([A-Z0-9_]+)\}/g)) env[m[1]!] = 'from-env';
    const config = await parseConfig(text, EXAMPLE, builtinBridges, env);
    expect(config.bridges.map((b) => b.id)).toContain('echo');
    expect(config.core.xmpp.max_stanza_size).toBe(262144);
  });

  it('validates every bridge section of config.example.yaml when all are enabled', async () => {
    const env: NodeJS.ProcessEnv = {};
    const text = readFileSync(EXAMPLE, 'utf8').replace(/enabled: false/g, 'enabled: true');
    for (const m of text.matchAll(/\$\{([A-Z0-9_]+)\}/g)) env[m[1]!] = 'from-env';
    const config = await parseConfig(text, EXAMPLE, builtinBridges, env);
    expect(config.bridges.map((b) => b.id).sort()).toEqual(['echo', 'email', 'irc', 'sms']);
  });

  it('does not need the secrets of a disabled bridge', async () => {
    const text = MINIMAL.replace('component_secret: s', 'enabled: false\n    component_secret: ${UNSET_SECRET}') + '  other:\n    module: ./nowhere.mjs\n    enabled: false\n    domain: o.example.org\n    component_secret: ${ALSO_UNSET}\n';
    const config = await parseConfig(text, 'x.yaml', builtinBridges, {});
    expect(config.bridges).toEqual([]);
  });

  it('fills defaults from the schema', async () => {
    const config = await parseConfig(MINIMAL, 'x.yaml', builtinBridges, {});
    expect(config.core.xmpp).toMatchObject({ host: '127.0.0.1', port: 5347 });
    expect(config.core.outbox.max_attempts).toBe(12);
    expect(config.bridges[0]!.options).toEqual({ prefix: '', delay_ms: 0 });
  });

  it('replaces ${VAR} from the environment', async () => {
    const config = await parseConfig(MINIMAL.replace('component_secret: s', 'component_secret: ${SECRET}'), 'x.yaml', builtinBridges, { SECRET: 'abc' });
    expect(config.bridges[0]!.entry.component_secret).toBe('abc');
  });

  it('reports every problem at once, with its path and line', async () => {
    const problems = await problemsOf(`
xmpp:
  prot: 5347
  max_stanza_size: small
bridges:
  echo:
    domain: echo.example.org
    component_secret: \${MISSING_SECRET}
    options:
      delay_ms: -1
`);
    const byPath = Object.fromEntries(problems.map((p) => [p.path, p]));
    expect(byPath['bridges.echo.component_secret']).toMatchObject({ line: 8, message: expect.stringContaining('MISSING_SECRET') });
    expect(Object.keys(byPath)).toEqual(expect.arrayContaining(['xmpp', 'xmpp.max_stanza_size']));
    expect(byPath['xmpp']!.message).toMatch(/prot/);
    expect(byPath['xmpp.max_stanza_size']!.line).toBe(4);
  });

  it('checks bridge options with the bridge schema, after the core schema passes', async () => {
    const problems = await problemsOf(MINIMAL + '    options:\n      delay_ms: -5\n      colour: red\n');
    expect(problems.map((p) => p.path)).toEqual(expect.arrayContaining(['bridges.echo.options.delay_ms', 'bridges.echo.options']));
    expect(problems.find((p) => p.path === 'bridges.echo.options.delay_ms')?.line).toBe(7);
  });

  it('refuses an unknown bridge without a module, and two bridges on one domain', async () => {
    const problems = await problemsOf(`
bridges:
  echo:
    domain: same.example.org
    component_secret: a
  fax:
    domain: same.example.org
    component_secret: b
`);
    expect(problems.map((p) => p.message).join('\n')).toMatch(/unknown bridge "fax"/);
    expect(problems.map((p) => p.message).join('\n')).toMatch(/already used by bridge echo/);
  });

  it('reports a YAML syntax error with its line', async () => {
    const problems = await problemsOf('xmpp:\n  host: [unclosed\nbridges: {}\n');
    expect(problems[0]!.line).toBeGreaterThan(0);
  });

  it('refuses a module that does not export a bridge definition', async () => {
    const problems = await problemsOf(MINIMAL + '  other:\n    module: node:path\n    domain: o.example.org\n    component_secret: x\n');
    expect(problems.find((p) => p.path === 'bridges.other.module')?.message).toMatch(/does not export a BridgeDefinition/);
  });
});
