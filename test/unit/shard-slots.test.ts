import { describe, expect, it } from 'vitest';
import { builtinBridges } from '../../bridges/index.js';
import { ConfigError, parseConfig } from '../../src/config.js';
import { adoptedSlotConfig } from '../../src/failover/adopted-config.js';
import { sharedSchema, slotSchema, slotUrl } from '../../src/failover/slots.js';

const SHARD = `
store:
  url: postgres://sb@127.0.0.1/sb
  cluster:
    mode: shard
    slots: 3
bridges:
  echo:
    domain: echo.example.org
    component_secret: s
`;

describe('sharded mode slots', () => {
  it('names one schema per slot under the lease name, a valid SQL identifier whatever the name', () => {
    expect(slotSchema('switchboard', 0)).toBe('switchboard_slot_0');
    expect(slotSchema('Gw-Prod.1', 2)).toBe('gw_prod_1_slot_2');
    expect(slotSchema('1st', 1)).toBe('s_1st_slot_1');
    for (const name of ['a"b', "x'; DROP TABLE outbox; --", 'ü']) expect(slotSchema(name, 0)).toMatch(/^[a-z_][a-z0-9_]*$/);
  });

  it('names the schema the slots share (the inbound dedupe) under the lease name, apart from every slot', () => {
    expect(sharedSchema('switchboard')).toBe('switchboard_shared');
    expect(sharedSchema('Gw-Prod.1')).toBe('gw_prod_1_shared');
    expect(sharedSchema('1st')).toBe('s_1st_shared');
    for (const name of ['a"b', "x'; DROP TABLE outbox; --", 'ü']) expect(sharedSchema(name)).toMatch(/^[a-z_][a-z0-9_]*$/);
  });

  it('puts the slot schema first on the search path, keeping the URL and its own options', () => {
    const url = new URL(slotUrl('postgres://sb:pw@db.example.org:5433/sb?sslmode=require', 'switchboard_slot_1'));
    expect(url.host).toBe('db.example.org:5433');
    expect(url.searchParams.get('sslmode')).toBe('require');
    expect(url.searchParams.get('options')).toBe('-c search_path=switchboard_slot_1');
    const merged = new URL(slotUrl('postgres://sb@db/sb?options=-c%20statement_timeout%3D5000', 's_slot_0'));
    expect(merged.searchParams.get('options')).toBe('-c statement_timeout=5000 -c search_path=s_slot_0');
  });

  it('config: store.cluster.mode shard with its slots; failover is the default', async () => {
    const shard = await parseConfig(SHARD, 'x.yaml', builtinBridges, {});
    expect(shard.core.store.cluster).toEqual({ mode: 'shard', slots: 3 });
    const plain = await parseConfig(SHARD.replace(/ {2}cluster:\n.*\n.*\n/, ''), 'x.yaml', builtinBridges, {});
    expect(plain.core.store.cluster).toEqual({ mode: 'failover', slots: 2 });
  });

  it('config: shard mode without a PostgreSQL store is refused with its path', async () => {
    const err = await parseConfig(SHARD.replace(/ {2}url: .*\n/, ''), 'x.yaml', builtinBridges, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toEqual([expect.objectContaining({ path: 'store.cluster.mode', message: expect.stringContaining('store.url') })]);
  });
});

describe('an adopted slot’s gateway', () => {
  it('runs without the HTTP server and the email bridge’s SMTP listener, other options kept', async () => {
    const text = `${SHARD}  email:
    domain: mail.example.org
    component_secret: s
    options:
      relay: { host: 127.0.0.1, port: 2526 }
      smtp: { port: 2600 }
`;
    const config = await parseConfig(text, 'x.yaml', builtinBridges, {}).catch((e: unknown) => {
      throw e instanceof ConfigError ? new Error(JSON.stringify(e.problems)) : e;
    });
    const adopted = adoptedSlotConfig(config);
    expect(config.core.http.enabled).toBe(true);
    expect(adopted.core.http.enabled).toBe(false);
    const email = (c: typeof config) => c.bridges.find((b) => b.id === 'email')!.options as { smtp: { enabled: boolean; port: number }; relay: unknown };
    expect(email(config).smtp).toMatchObject({ enabled: true, port: 2600 });
    expect(email(adopted).smtp).toMatchObject({ enabled: false, port: 2600 });
    expect(email(adopted).relay).toEqual(email(config).relay);
    expect(adopted.bridges.find((b) => b.id === 'echo')).toBe(config.bridges.find((b) => b.id === 'echo'));
  });
});
