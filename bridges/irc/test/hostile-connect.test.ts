// Hostile IRC servers at connection time, against the built gateway through real Prosody: one that
// accepts and never speaks, one that sends ERROR on every connect, endless CAP LS continuations,
// an endless MOTD. Each gives the user an answer (never silence), the IRC component never
// reconnects, other networks go on, RSS stays bounded. Figures: one JSON line per case on stdout.
import { xml } from '@xmpp/client';
import type { Element } from 'ltx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/helpers/wait.js';
import { DOMAIN, printFigures, startHostileStack, type HostileFigure, type HostileStack } from './hostile-stack.js';

const STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas';
const MOTD_LINES = 200;
const body = (s: Element) => s.getChildText('body');
const condition = (s: Element) => s.getChild('error')?.children.find((c): c is Element => typeof c !== 'string' && c.attrs.xmlns === STANZAS)?.name;

// 90 s a test: the RSS check waits up to 60 s for V8 to give memory back (hostile-stack.ts).
describe('IRC bridge against hostile servers at connect time (through Prosody)', { timeout: 90_000 }, () => {
  let stack: HostileStack;
  const figures: HostileFigure[] = [];
  let n = 0;

  beforeAll(async () => {
    stack = await startHostileStack({
      fakes: {
        main: { members: ['Mallory'] },
        silent: { behaviour: () => 'silent' },
        refuse: { behaviour: () => 'error' },
        flaky: { behaviour: (i) => (i === 0 ? 'register' : 'error') },
        capls: { behaviour: () => 'cap-ls-forever' },
        motd: { behaviour: () => 'motd-forever' },
      },
    });
    await stack.join('#c', 'main');
  });

  afterAll(async () => {
    printFigures(figures);
    await stack?.stop();
  });

  async function survived(what: string, before: number, boundMb: number, userSaw: string): Promise<void> {
    const tag = `normal ${++n}`;
    const irc = await stack.fakes.main!.client(0);
    irc.line(`:Mallory!m@mal.host PRIVMSG #c :${tag}`);
    await stack.alice.waitForStanza((s) => s.is('message') && s.attrs.from === `#c%main@${DOMAIN}/Mallory` && body(s) === tag, `the next normal message after ${what}`);
    const rss = await stack.rssWithin(before, boundMb);
    figures.push({
      case: what,
      survived: true,
      componentReconnects: stack.componentReconnects(),
      rssBeforeMb: before,
      rssAfterMb: rss.immediateMb,
      rssSettledMb: rss.settledMb,
      userSaw,
    });
    expect(stack.componentReconnects()).toBe(0);
    expect(stack.fakes.main!.clients).toHaveLength(1);
  }

  async function joinError(network: string): Promise<Element> {
    const room = `#x%${network}@${DOMAIN}`;
    await stack.alice.send(xml('presence', { to: `${room}/Alice` }, xml('x', { xmlns: 'http://jabber.org/protocol/muc' })));
    return stack.alice.waitForStanza((s) => s.is('presence') && s.attrs.type === 'error' && s.attrs.from === `${room}/Alice`, `the join error on ${network}`, 15_000);
  }

  it('a server that accepts and never speaks: the join fails with remote-server-timeout, not silence', async () => {
    const before = stack.rssMb();
    const err = await joinError('silent');
    expect(condition(err)).toBe('remote-server-timeout');
    expect(err.getChild('error')?.getChildText('text', STANZAS)).toMatch(/timed out/);
    expect(stack.fakes.silent!.clients[0]!.received.some((l) => l.startsWith('NICK'))).toBe(true);
    await survived('a server that accepts and never speaks', before, 10, `presence error remote-server-timeout "${err.getChild('error')?.getChildText('text', STANZAS)}"`);
  });

  it('ERROR on every connect: the join fails with the server’s reason', async () => {
    const before = stack.rssMb();
    const err = await joinError('refuse');
    expect(condition(err)).toBe('remote-server-not-found');
    expect(err.getChild('error')?.getChildText('text', STANZAS)).toContain('Too many connections');
    await survived('ERROR on every connect (first join)', before, 10, `presence error remote-server-not-found "${err.getChild('error')?.getChildText('text', STANZAS)}"`);
  });

  it('endless CAP LS continuations: negotiation goes on after the bound and the join succeeds', async () => {
    const before = stack.rssMb();
    await stack.join('#x', 'capls');
    const client = await stack.fakes.capls!.client(0);
    expect(client.received).toContain('CAP END');
    await client.stopStreams();
    await survived('endless CAP LS * continuations', before, 20, 'the join succeeds (CAP END after 32 LS lines)');
  });

  it(`an endless MOTD: at most ${MOTD_LINES} lines reach the user, then one notice, then the connection times out with an error`, async () => {
    const before = stack.rssMb();
    const err = await joinError('motd');
    expect(condition(err)).toBe('remote-server-timeout');
    const fromServer = () => stack.alice.received.filter((s) => s.is('message') && s.attrs.from === `motd@${DOMAIN}`).map((s) => body(s) ?? '');
    await waitFor(() => fromServer().some((b) => /timed out/.test(b)), 'the time-out message from the network JID');
    expect(fromServer().filter((b) => b.includes('endless MOTD line'))).toHaveLength(MOTD_LINES);
    expect(fromServer().filter((b) => b.includes(`longer than ${MOTD_LINES} lines`))).toHaveLength(1);
    await survived('an endless MOTD', before, 20, `${MOTD_LINES} MOTD lines, "The message of the day is longer than ${MOTD_LINES} lines…", presence error remote-server-timeout`);
  });

  it('ERROR on every reconnect: the user is told, and the reconnect backoff grows (200 ms doubling to 1.6 s, jittered)', async () => {
    const before = stack.rssMb();
    const room = `#x%flaky@${DOMAIN}`;
    await stack.join('#x', 'flaky');
    const first = await stack.fakes.flaky!.client(0);
    first.line('ERROR :Closing Link: server restarting');
    first.close();
    const lost = await stack.alice.waitForStanza((s) => s.is('presence') && s.attrs.from === `${room}/Alice` && /reconnecting/.test(s.getChildText('status') ?? ''), 'the connection-lost self-presence');
    expect(lost.getChildText('status')).toContain('server restarting');
    const attempts = 6;
    await waitFor(() => stack.fakes.flaky!.acceptedAt.length >= attempts + 1, `${attempts} reconnect attempts`, 20_000);
    const at = stack.fakes.flaky!.acceptedAt;
    // backoff.ts: attempt k waits in [base/2, base], base = min(1600, 200 · 2^k); k counts from the first retry.
    for (let k = 1; k < attempts; k++) {
      const gap = at[k + 1]! - at[k]!;
      expect(gap).toBeGreaterThanOrEqual(Math.min(1600, 200 * 2 ** k) / 2 - 50);
    }
    await survived('ERROR on every reconnect', before, 10, `self-presence "${lost.getChildText('status')}"; ${at.length - 1} reconnects with backoff`);
  });
});
