import { describe, expect, it } from 'vitest';
import { startNgircd } from '../../../test/helpers/irc-ngircd.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { expectInbound, startBridge, unique, useNgircd } from './helpers.js';

const ircd = useNgircd();

describe('IRC connection lifecycle logs (ngircd)', () => {
  it('logs connect, registered and disconnect with its reason, one event-name style', async () => {
    const id = unique();
    const logs: Array<Record<string, unknown>> = [];
    const b = await startBridge(ircd().port, {}, {}, { logs });
    try {
      const user = `u${id}@example.org`;
      await b.bridge.send({ kind: 'join', user, resource: 'r1', to: `#l${id}%test`, nick: `X${id}` });
      await expectInbound(b.t, 'presence', (e) => !!e.muc?.codes.includes(110), 'joined');
      const where = { bridge: 'irc', user, network: 'test', server: `127.0.0.1:${ircd().port}` };
      expect(logs.find((l) => l['event'] === 'irc_connect')).toMatchObject({ ...where, tls: false });
      expect(logs.find((l) => l['event'] === 'irc_registered')).toMatchObject({ ...where, nick: `X${id}` });
      await b.bridge.send({ kind: 'message', user, resource: 'r1', to: 'test', type: 'chat', body: 'QUIT done here', receiptRequested: false });
      await waitFor(() => logs.some((l) => l['event'] === 'irc_disconnect'), 'irc_disconnect logged');
      expect(logs.find((l) => l['event'] === 'irc_disconnect')).toMatchObject({ user, network: 'test', banned: false, quitting: true });
      expect(logs.find((l) => l['event'] === 'irc_disconnect')?.['reason']).toEqual(expect.stringMatching(/./));
      for (const l of logs) if (typeof l['event'] === 'string' && l['event'].startsWith('irc')) expect(l['event']).toMatch(/^irc_[a-z_]+$/);
    } finally {
      await b.close();
    }
  });

  it('logs a dropped connection and each reconnect attempt until registered again', async () => {
    const own = await startNgircd();
    const id = unique();
    const logs: Array<Record<string, unknown>> = [];
    const b = await startBridge(own.port, {}, {}, { logs });
    try {
      const user = `u${id}@example.org`;
      await b.bridge.send({ kind: 'join', user, resource: 'r1', to: `#r${id}%test`, nick: `X${id}` });
      await expectInbound(b.t, 'presence', (e) => !!e.muc?.codes.includes(110), 'joined');
      await own.restart(300);
      await expectInbound(b.t, 'presence', (e) => !!e.status?.startsWith('Rejoined'), 'rejoined', 20_000);
      const events = logs.map((l) => l['event']);
      const dropped = events.indexOf('irc_disconnect');
      expect(dropped).toBeGreaterThan(events.indexOf('irc_registered'));
      expect(logs[dropped]).toMatchObject({ user, network: 'test', banned: false, quitting: false });
      const attempt = events.indexOf('irc_reconnect_attempt', dropped);
      expect(logs[attempt]).toMatchObject({ user, network: 'test', attempt: 1 });
      expect(events.indexOf('irc_registered', attempt)).toBeGreaterThan(attempt);
    } finally {
      await b.close();
      await own.stop();
    }
  }, 60_000);
});
