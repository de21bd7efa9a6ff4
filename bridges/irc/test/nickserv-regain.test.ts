// NickServ REGAIN / GHOST after SASL (nick-regain.ts, network option nickserv_regain). No Debian
// IRC server ships services: SASL and NickServ are played by the fake IRC server (fake-services.ts).
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeIrcServer, type FakeIrcServer } from '../../../test/helpers/fake-irc-server.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { fakeServices, type FakeServices } from './fake-services.js';
import { expectInbound, find, startBridge, unique, type BridgeUnderTest } from './helpers.js';

const KEY = randomBytes(32);

describe('NickServ REGAIN / GHOST after SASL (fake IRC server with services)', () => {
  let fake: FakeIrcServer | undefined;
  let b: BridgeUnderTest | undefined;
  afterEach(async () => {
    await b?.close();
    await fake?.close();
    b = undefined;
    fake = undefined;
  });

  /** A network where `nick` is held until NickServ frees it, and the user's SASL password (when `sasl`). */
  async function setUp(nick: string, network: Record<string, unknown>, sasl = true): Promise<{ services: FakeServices; free(): void }> {
    let freed = false;
    const services = fakeServices({ nickserv: () => 'hold' });
    fake = await startFakeIrcServer({ caps: ['sasl'], onLine: services.onLine, refuseNick: (n) => (n === nick && !freed ? '433' : undefined) });
    b = await startBridge(fake.port, {}, { nick_collision: 'alternative', ...network }, { secretKey: KEY });
    if (sasl) {
      const user = `u${nick}@example.org`;
      const cmd = b.bridge.commands.find((c) => c.node === 'configure' && c.appliesTo('test'))!;
      await cmd.run({ user, from: `${user}/r`, localpart: 'test', action: 'complete', values: { sasl_password: ['pw'] } });
    }
    return {
      services,
      free: () => {
        freed = true;
        services.release();
      },
    };
  }

  const join = async (nick: string) => {
    await b!.bridge.send({ kind: 'join', user: `u${nick}@example.org`, resource: 'r1', to: `#r${nick}%test`, nick });
    const self = await expectInbound(b!.t, 'presence', (e) => !!e.muc?.codes.includes(110), 'joined on the alternative nick');
    expect(self.fromResource).toBe(`${nick}_`);
    expect(self.muc?.codes).toContain(210);
  };

  /** The core's 303 pair for the user's own nick change, from `nick_` to `nick`. */
  const expectRenamed = async (nick: string) => {
    const gone = await expectInbound(b!.t, 'presence', (e) => !!e.muc?.codes.includes(303), 'the 303 presence of the nick change');
    expect(gone).toMatchObject({ type: 'unavailable', fromResource: `${nick}_` });
    expect(gone.muc).toMatchObject({ nick, codes: [303, 110] });
    await expectInbound(b!.t, 'presence', (e) => e.fromResource === nick && !!e.muc?.codes.includes(110) && e.type !== 'unavailable', 'the self-presence under the regained nick');
  };

  it('regain: on an alternative nick and logged in, REGAIN nick; the server renames us and the rooms see 303', async () => {
    const nick = `R${unique()}`;
    const { services, free } = await setUp(nick, { nickserv_regain: 'regain' });
    await join(nick);
    await waitFor(() => services.nickserv.length > 0 || undefined, 'a NickServ command');
    expect(services.nickserv).toEqual([`REGAIN ${nick}`]);
    expect(services.saslPayloads).toHaveLength(1);
    free();
    await expectRenamed(nick);
    expect(find(b!.t, 'message', (e) => e.from === 'test' && e.body.includes('REGAIN'))).toHaveLength(1);
  });

  it('ghost: GHOST nick, then NICK nick once NickServ answered; the rooms see 303', async () => {
    const nick = `G${unique()}`;
    const { services, free } = await setUp(nick, { nickserv_regain: 'ghost' });
    await join(nick);
    await waitFor(() => services.nickserv.length > 0 || undefined, 'a NickServ command');
    expect(services.nickserv).toEqual([`GHOST ${nick}`]);
    const client = await fake!.client(0);
    // NICK waits for NickServ's answer: nothing but the alternative nick's NICK so far.
    expect(client.received.filter((l) => l === `NICK ${nick}`)).toHaveLength(1);
    free();
    await waitFor(() => client.received.filter((l) => l === `NICK ${nick}`).length === 2 || undefined, 'NICK after GHOST');
    await expectRenamed(nick);
  });

  it('ghost refused by NickServ: the NICK that follows is refused by the server, and the user keeps nick_ in the room', async () => {
    const nick = `H${unique()}`;
    const services = fakeServices({ nickserv: () => 'refuse' });
    fake = await startFakeIrcServer({ caps: ['sasl'], onLine: services.onLine, refuseNick: (n) => (n === nick ? '433' : undefined) });
    b = await startBridge(fake.port, {}, { nick_collision: 'alternative', nickserv_regain: 'ghost' }, { secretKey: KEY });
    const user = `u${nick}@example.org`;
    const cmd = b.bridge.commands.find((c) => c.node === 'configure' && c.appliesTo('test'))!;
    await cmd.run({ user, from: `${user}/r`, localpart: 'test', action: 'complete', values: { sasl_password: ['pw'] } });
    await join(nick);
    const client = await fake.client(0);
    await waitFor(() => client.received.filter((l) => l === `NICK ${nick}`).length === 2 || undefined, 'NICK after the GHOST answer');
    await b.bridge.send({ kind: 'message', user, resource: 'r1', to: `#r${nick}%test`, type: 'groupchat', body: 'still here', receiptRequested: false });
    await client.expect((l) => l.endsWith(':still here'), 'a message after the refusal');
    expect(find(b.t, 'presence', (e) => !!e.muc?.codes.includes(303))).toEqual([]);
  });

  it.each([
    ['nickserv_regain off (the default), though logged in', {}, true],
    ['not logged in with SASL, though nickserv_regain is regain', { nickserv_regain: 'regain' }, false],
  ])('%s: NickServ is not asked', async (_what, network, sasl) => {
    const nick = `O${unique()}`;
    await setUp(nick, network, sasl);
    await join(nick);
    const client = await fake!.client(0);
    // A line sent after the join has passed the point where REGAIN would have been queued.
    await b!.bridge.send({ kind: 'message', user: `u${nick}@example.org`, resource: 'r1', to: `#r${nick}%test`, type: 'groupchat', body: 'sent after the join', receiptRequested: false });
    await client.expect((l) => l.endsWith(':sent after the join'), 'the message');
    expect(client.received.filter((l) => /NickServ/i.test(l))).toEqual([]);
  });
});
