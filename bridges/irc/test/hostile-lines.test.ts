// A hostile IRC server (test/helpers/fake-irc-server.ts) against the built gateway through real
// Prosody: control characters everywhere, over-long lines, missing parameters, endless replies.
// After each case the user gets the next normal message, the IRC component did not reconnect
// (Prosody never closed its stream), the IRC connection is the same one, and the gateway's RSS
// stays within the bound the case states. Figures: `npx vitest run bridges/irc/test/hostile-lines.test.ts`
// prints one JSON line per case (`"figure":"irc-hostile"`).
import { xml } from '@xmpp/client';
import type { Element } from 'ltx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeIrcClient } from '../../../test/helpers/fake-irc-server.js';
import { hasInvalidXmlChars } from '../../../src/xmpp/xml-safe.js';
import { DOMAIN, MUC_USER, printFigures, startHostileStack, type HostileFigure, type HostileStack } from './hostile-stack.js';

const ROOM = `#c%main@${DOMAIN}`;
const CHANNEL_MEMBERS = 1000;
const LIST_CHANNELS = 5000;

const body = (s: Element) => s.getChildText('body');
const texts = (el: Element): string[] => [...el.children.map((c) => (typeof c === 'string' ? c : texts(c).join(''))), ...Object.values(el.attrs).map(String)];

// 90 s a test: the RSS check waits up to 60 s for V8 to give memory back (hostile-stack.ts).
describe('IRC bridge against a hostile IRC server (through Prosody)', { timeout: 90_000 }, () => {
  let stack: HostileStack;
  let irc: FakeIrcClient;
  const figures: HostileFigure[] = [];
  let n = 0;

  beforeAll(async () => {
    stack = await startHostileStack({
      fakes: {
        main: {
          members: ['Mallory', '+Eve'],
          onLine: (client, line) => {
            const endless = /^JOIN (#endless\S*)/.exec(line);
            if (endless) {
              client.line(`:${client.nick}!u@fake.host JOIN ${endless[1]}`);
              // RPL_NAMREPLY forever, never RPL_ENDOFNAMES (issue 9: 20,000 of them took RSS from 99 to 317 MB).
              const names = (i: number) => Array.from({ length: 40 }, (_, k) => `n${i}x${k}`).join(' ');
              endlessNames = client.stream((i) => `:fake.irc 353 ${client.nick} = ${endless[1]} :${names(i)}\r\n`, 20_000);
              return true;
            }
            if (/^JOIN #big/.test(line)) {
              client.line(`:${client.nick}!u@fake.host JOIN #big`);
              for (let i = 0; i < (CHANNEL_MEMBERS + 100) / 50; i++) client.line(`:fake.irc 353 ${client.nick} = #big :${Array.from({ length: 50 }, (_, k) => `big${i}x${k}`).join(' ')}`);
              client.line(`:fake.irc 366 ${client.nick} #big :End of NAMES list`);
              return true;
            }
            if (line === 'LIST') {
              endlessList = client.stream((i) => `:fake.irc 322 ${client.nick} #list${i} ${i % 50} :topic ${i}\x07\r\n`);
              return true;
            }
            return false;
          },
        },
      },
      options: { bounds: { channel_members: CHANNEL_MEMBERS, list_channels: LIST_CHANNELS } },
    });
    await stack.join('#c', 'main');
    irc = await stack.fakes.main!.client(0);
    await stack.alice.waitForStanza((s) => s.is('message') && s.attrs.from === ROOM && s.getChild('subject') !== undefined, 'the subject of #c');
  });

  afterAll(async () => {
    printFigures(figures);
    await stack?.stop();
  });

  let endlessNames: ReturnType<FakeIrcClient['stream']> | undefined;
  let endlessList: ReturnType<FakeIrcClient['stream']> | undefined;

  /** The next normal message reaches the user, nothing reconnected, RSS within `boundMb` of `before`. */
  /** `peakMb`: also bound the RSS right after the case (where growth while the stream runs is the defect). */
  async function survived(what: string, before: number, boundMb: number, userSaw: string, peakMb = Infinity): Promise<void> {
    const tag = `normal ${++n}`;
    irc.line(`:Mallory!m@mal.host PRIVMSG #c :${tag}`);
    await stack.alice.waitForStanza((s) => s.is('message') && s.attrs.from === `${ROOM}/Mallory` && body(s) === tag, `the next normal message after ${what}`);
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
    expect(rss.immediateMb - before).toBeLessThan(peakMb);
    // Every stanza the user got is XML 1.0 text (the IRC boundary cleaned it before the core's net).
    for (const s of stack.alice.received) expect(texts(s).some(hasInvalidXmlChars)).toBe(false);
  }

  it('control characters and NUL in the prefix, nick, channel, tags and trailing arrive as the defined text', async () => {
    const before = stack.rssMb();
    const { alice } = stack;
    irc.send(':Mal\x07lory!m\x00@mal.host\x1b PRIVMSG #c\x07 :ring\x07 esc\x1b[31m nul\x00 vt\x0b ff\x0c \x02bold\x02 \x0304,12colour\x03 tab\there \ufffe\uffff end\r\n');
    const msg = await alice.waitForStanza((s) => s.is('message') && body(s)?.startsWith('ring') === true, 'the message with controls');
    expect(msg.attrs.from).toBe(`${ROOM}/Mallory`);
    // Formatting is XEP-0393 styling (styling.ts), colours are removed.
    expect(body(msg)).toBe('ring esc[31m nul vt ff *bold* colour tab here \ufffd\ufffd end');

    irc.send(':Mallory!m@mal.host NOTICE #c :\x07notice\x00 text\r\n');
    expect(body(await alice.waitForStanza((s) => s.is('message') && body(s)?.includes('notice text') === true, 'the notice'))).toBe('[notice] notice text');
    irc.send(':Mallory!m@mal.host PRIVMSG #c :\x01ACTION waves\x07\x1b\x01\r\n');
    expect(body(await alice.waitForStanza((s) => s.is('message') && body(s)?.startsWith('/me') === true, 'the action'))).toBe('/me waves');
    irc.send(Buffer.concat([Buffer.from(':Mallory!m@mal.host PRIVMSG #c :latin1 '), Buffer.from([0xe9, 0xff, 0x85, 0x07]), Buffer.from(' bytes\r\n')]));
    expect(body(await alice.waitForStanza((s) => s.is('message') && body(s)?.startsWith('latin1') === true, 'the latin-1 line'))).toBe('latin1 éÿ bytes');

    irc.send(':Mallory!m@mal.host TOPIC #c :new\x07 topic\x1b\uffff\r\n');
    const subject = await alice.waitForStanza((s) => s.is('message') && s.getChildText('subject')?.startsWith('new') === true, 'the topic');
    expect(subject.getChildText('subject')).toBe('new topic\ufffd');

    irc.send(':Mallory!m@mal.host PRIVMSG Alice :\x00private\x07 words\r\n');
    const pm = await alice.waitForStanza((s) => s.is('message') && body(s) === 'private words', 'the PM');
    expect(pm.attrs.from).toBe(`mallory%main@${DOMAIN}`);
    irc.send(':fake.irc NOTICE Alice :server\x07 notice\x00\r\n:fake.irc 999 Alice :numeric\x1b text\x04ff0000\r\n');
    await alice.waitForStanza((s) => s.is('message') && s.attrs.from === `main@${DOMAIN}` && body(s) === 'fake.irc: server notice', 'the server notice');
    await alice.waitForStanza((s) => s.is('message') && s.attrs.from === `main@${DOMAIN}` && body(s) === 'fake.irc: numeric text', 'the numeric text');

    // Nicks stay valid resources and JIDs: controls dropped in JOIN, NICK, PART, KICK, QUIT, AWAY.
    irc.send(':Tr\x1bent!t@t.host JOIN #c\x07\r\n');
    await alice.waitForStanza((s) => s.is('presence') && s.attrs.from === `${ROOM}/Trent` && s.attrs.type === undefined, 'Trent joins');
    irc.send(':Trent!t@t.host PART #c :bye\x07\x00 now\r\n');
    const part = await alice.waitForStanza((s) => s.is('presence') && s.attrs.from === `${ROOM}/Trent` && s.attrs.type === 'unavailable', 'Trent parts');
    expect(part.getChildText('status')).toBe('bye now');
    irc.send(':Eve!e@e.host NICK :Ev\x07e2\r\n');
    const renamed = await alice.waitForStanza((s) => s.is('presence') && s.attrs.from === `${ROOM}/Eve` && s.attrs.type === 'unavailable', 'Eve renames');
    expect(renamed.getChild('x', MUC_USER)?.getChild('item')?.attrs.nick).toBe('Eve2');
    irc.send(':Mallory!m@mal.host KICK #c Eve2 :out\x07 you go\r\n');
    const kicked = await alice.waitForStanza((s) => s.is('presence') && s.attrs.from === `${ROOM}/Eve2` && s.attrs.type === 'unavailable', 'Eve2 kicked');
    expect(kicked.getChild('x', MUC_USER)?.getChild('item')?.getChildText('reason')).toBe('out you go');
    irc.send(':Zed!z@z.host JOIN #c\r\n:Zed!z@z.host QUIT :gone\x1b[0m\x00 away\r\n');
    const quit = await alice.waitForStanza((s) => s.is('presence') && s.attrs.from === `${ROOM}/Zed` && s.attrs.type === 'unavailable', 'Zed quits');
    expect(quit.getChildText('status')).toBe('gone[0m away');
    irc.send(':Mallory!m@mal.host AWAY :lunch\x07\x00 break\r\n');
    const away = await alice.waitForStanza((s) => s.is('presence') && s.attrs.from === `${ROOM}/Mallory` && s.getChildText('show') === 'away', 'Mallory away');
    expect(away.getChildText('status')).toBe('lunch break');
    irc.send(':Mallory!m@mal.host AWAY\r\n');
    await alice.waitForStanza((s) => s.is('presence') && s.attrs.from === `${ROOM}/Mallory` && !s.getChild('show'), 'Mallory back');

    // A nick or target that is nothing but controls cannot address anyone: the line is refused and logged.
    irc.send(':\x07\x07!x@x.host PRIVMSG #c :ghost\r\n:Mallory!m@mal.host PRIVMSG \x07\x00 :ghost\r\n');
    await stack.gateway.waitForLog((l) => l.event === 'irc-line-discarded' && l.reason === 'controls', 'the refused line logged');
    await survived('controls and NUL in every position', before, 20, 'text with controls dropped, formatting as XEP-0393 styling, U+FFFE/U+FFFF as U+FFFD, latin-1 decoded');
    expect(stack.alice.received.some((s) => body(s) === 'ghost')).toBe(false);
  });

  it('a line over 512 bytes is read up to the 8703-byte bound; longer lines and a 10 MB line are discarded in bounded memory', async () => {
    const before = stack.rssMb();
    const long = 'x'.repeat(2000);
    irc.line(`:Mallory!m@mal.host PRIVMSG #c :${long}`);
    await stack.alice.waitForStanza((s) => s.is('message') && body(s) === long, 'the 2000-byte line');
    irc.line(`:Mallory!m@mal.host PRIVMSG #c :${'y'.repeat(9000)}`);
    await stack.gateway.waitForLog((l) => l.event === 'irc-line-discarded' && l.reason === 'too-long', 'the over-long line logged');
    const ten = irc.stream((i) => (i < 160 ? Buffer.alloc(64 * 1024, 0x7a) : Buffer.from('\r\n')), 161);
    await ten.done;
    await survived('a 9000-byte line and a 10 MB line', before, 20, 'the 2000-byte line; nothing of the over-long ones');
    expect(stack.alice.received.some((s) => body(s)?.startsWith('yyyy') || body(s)?.startsWith('zzzz'))).toBe(false);
  });

  it('commands and numerics without their parameters are ignored', async () => {
    const before = stack.rssMb();
    const bare = ['PRIVMSG', ':Mallory!m@mal.host PRIVMSG', ':Mallory!m@mal.host PRIVMSG #c', ':Mallory!m@mal.host NOTICE', ':Mallory!m@mal.host JOIN', ':Mallory!m@mal.host PART',
      ':Mallory!m@mal.host KICK #c', ':Mallory!m@mal.host MODE', ':Mallory!m@mal.host MODE #c', ':Mallory!m@mal.host NICK', ':Mallory!m@mal.host TOPIC #c', ':Mallory!m@mal.host INVITE Alice',
      ':Mallory!m@mal.host CHGHOST', ':Mallory!m@mal.host ACCOUNT', 'BATCH', 'CAP', 'AUTHENTICATE', ':fake.irc 001', ':fake.irc 005',
      ':fake.irc 301', ':fake.irc 322', ':fake.irc 332', ':fake.irc 333', ':fake.irc 341', ':fake.irc 352', ':fake.irc 353', ':fake.irc 366', ':fake.irc 433', ':fake.irc 471', ':fake.irc',
      ':Mallory!m@mal.host', '@a=b', '@a=b :x', ':', '', ' ', '\x00', 'PING'];
    irc.send(bare.map((l) => `${l}\r\n`).join(''));
    await survived('commands and numerics without parameters', before, 10, 'nothing for those lines');
    // Mallory was not removed by the bare QUIT/PART/KICK (she is still an occupant).
    expect(stack.alice.received.some((s) => s.is('presence') && s.attrs.from === `${ROOM}/Mallory` && s.attrs.type === 'unavailable')).toBe(false);
  });

  it('an endless NAMES (353 without 366) keeps at most the member bound, fails the join, and gives the memory back', async () => {
    const before = stack.rssMb();
    const room = `#endless%main@${DOMAIN}`;
    await stack.alice.send(xml('presence', { to: `${room}/Alice` }, xml('x', { xmlns: 'http://jabber.org/protocol/muc' })));
    const err = await stack.alice.waitForStanza((s) => s.is('presence') && s.attrs.type === 'error' && s.attrs.from === `${room}/Alice`, 'the join error', 15_000);
    expect(err.getChild('error')?.getChild('remote-server-timeout', 'urn:ietf:params:xml:ns:xmpp-stanzas')).toBeDefined();
    await endlessNames!.done;
    const sent = endlessNames!.sent;
    await survived(`endless NAMES (${sent} × 353 of 40 nicks, no 366)`, before, 40, 'presence error remote-server-timeout "No answer from IRC to the JOIN of #endless."', 40);
    expect(sent).toBe(20_000);
  });

  it(`a NAMES over the member bound lists ${CHANNEL_MEMBERS} occupants and tells the user the list is truncated`, async () => {
    const before = stack.rssMb();
    await stack.join('#big', 'main');
    const room = `#big%main@${DOMAIN}`;
    const notice = await stack.alice.waitForStanza((s) => s.is('message') && s.attrs.from === room && body(s)?.includes('truncated') === true, 'the truncation notice');
    expect(body(notice)).toContain(`only ${CHANNEL_MEMBERS} members`);
    const occupants = stack.alice.received.filter((s) => s.is('presence') && s.attrs.from?.startsWith(`${room}/big`));
    expect(occupants).toHaveLength(CHANNEL_MEMBERS);
    await survived('NAMES over the member bound', before, 20, `${CHANNEL_MEMBERS} occupants and "The occupant list of #big is truncated"`);
  });

  it('an endless WHO (352 without 315) and thousands of BATCHes never closed hold nothing', async () => {
    const before = stack.rssMb();
    const who = irc.stream((i) => `:fake.irc 352 Alice #c u${i} h${i}.host fake.irc W${i} G :0 real\x07name ${i}\r\n`, 20_000);
    await who.done;
    const batches = irc.stream((i) => `BATCH +ref${i} netsplit a.irc b.irc\r\n`, 10_000);
    await batches.done;
    irc.line('@batch=ref5 :Mallory!m@mal.host PRIVMSG #c :inside a batch');
    await stack.alice.waitForStanza((s) => s.is('message') && body(s) === 'inside a batch', 'a message inside an open batch');
    await survived('endless WHO (20,000 × 352) and 10,000 open BATCHes', before, 20, 'nothing; then messages as usual');
  });

  it(`an endless LIST (322 without 323) ends at the ${LIST_CHANNELS}-channel bound with a result`, async () => {
    const before = stack.rssMb();
    const items = await stack.alice.iq(xml('iq', { type: 'get', to: `main@${DOMAIN}` }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#items' })), 20_000);
    await endlessList?.stop();
    expect(items.attrs.type).toBe('result');
    const set = items.getChild('query')?.getChild('set', 'http://jabber.org/protocol/rsm');
    expect(Number(set?.getChildText('count'))).toBe(LIST_CHANNELS);
    const names = items.getChild('query')?.getChildren('item').map((i) => i.attrs.name) ?? [];
    expect(names.every((nm) => /^#list\d+$/.test(String(nm)))).toBe(true);
    await survived(`endless LIST (${endlessList!.sent} × 322 sent before it was stopped)`, before, 30, `a disco#items result: ${LIST_CHANNELS} channels, first page of 100`);
  });
});
