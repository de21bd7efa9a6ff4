import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { findNetwork, ircConfigSchema } from '../config.js';

describe('IRC bridge options', () => {
  it('config.example.yaml is valid and matches the defaults', () => {
    const text = readFileSync(new URL('../config.example.yaml', import.meta.url), 'utf8').replace(/\$\{\w+\}/g, 'x');
    const doc = parse(text) as { bridges: { irc: { options: unknown } } };
    const config = ircConfigSchema.parse(doc.bridges.irc.options);
    expect(config.networks.libera?.throttle).toEqual({ burst: 10, lines_per_second: 1, max_queue: 1000 });
    expect(config.networks.libera?.nick_collision).toBe('conflict');
    expect(config.networks.libera?.servers[0]).toMatchObject({ host: 'irc.libera.chat', port: 6697, tls: true, tls_verify: true });
  });

  it("nick_collision is 'conflict' unless set, and only 'conflict' or 'alternative'", () => {
    const net = (extra: object) => ircConfigSchema.parse({ networks: { n: { servers: [{ host: 'h' }], ...extra } } }).networks.n;
    expect(net({})?.nick_collision).toBe('conflict');
    expect(net({ nick_collision: 'alternative' })?.nick_collision).toBe('alternative');
    expect(() => net({ nick_collision: 'regain' })).toThrow();
  });

  it('refuses unknown keys (typos are errors)', () => {
    expect(() => ircConfigSchema.parse({ netwroks: {} })).toThrow();
    expect(() => ircConfigSchema.parse({ networks: { n: { servers: [{ host: 'h', prot: 1 }] } } })).toThrow();
  });

  it('finds a network by name or server hostname, and unlisted hosts only when allowed', () => {
    const config = ircConfigSchema.parse({ networks: { libera: { servers: [{ host: 'irc.libera.chat' }] } } });
    expect(findNetwork(config, 'Libera')?.name).toBe('libera');
    expect(findNetwork(config, 'irc.libera.chat')?.name).toBe('libera');
    expect(findNetwork(config, 'irc.oftc.net')).toBeUndefined();
    const any = ircConfigSchema.parse({ allow_any_server: true });
    expect(findNetwork(any, 'irc.oftc.net')?.net.servers.map((s) => [s.port, s.tls])).toEqual([[6697, true], [6667, false]]);
  });
});
