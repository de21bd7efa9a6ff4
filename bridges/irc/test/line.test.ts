import { describe, expect, it } from 'vitest';
import { escapeTagValue, parseLine, parseSource, serializeLine, unescapeTagValue } from '../client/line.js';

describe('IRC line parser', () => {
  it.each([
    ['PING :irc.example', { tags: {}, prefix: '', command: 'PING', params: ['irc.example'] }],
    [':nick!user@host PRIVMSG #chan :hello world', { tags: {}, prefix: 'nick!user@host', command: 'PRIVMSG', params: ['#chan', 'hello world'] }],
    [':srv 001 me :Welcome to IRC', { tags: {}, prefix: 'srv', command: '001', params: ['me', 'Welcome to IRC'] }],
    [':srv 005 me CHANTYPES=# PREFIX=(ov)@+ :are supported', { tags: {}, prefix: 'srv', command: '005', params: ['me', 'CHANTYPES=#', 'PREFIX=(ov)@+', 'are supported'] }],
    ['@time=2024-01-01T00:00:00.000Z;msgid=abc :n!u@h PRIVMSG #c :x', { tags: { time: '2024-01-01T00:00:00.000Z', msgid: 'abc' }, prefix: 'n!u@h', command: 'PRIVMSG', params: ['#c', 'x'] }],
    ['@a=b\\sc\\:d\\\\e;flag :p CMD', { tags: { a: 'b c;d\\e', flag: '' }, prefix: 'p', command: 'CMD', params: [] }],
    ['privmsg   #c   :two  spaces', { tags: {}, prefix: '', command: 'PRIVMSG', params: ['#c', 'two  spaces'] }],
    [':p PRIVMSG #c :', { tags: {}, prefix: 'p', command: 'PRIVMSG', params: ['#c', ''] }],
    [':p PRIVMSG #c ::colon', { tags: {}, prefix: 'p', command: 'PRIVMSG', params: ['#c', ':colon'] }],
    ['CAP * LS * :multi-prefix sasl=PLAIN\r\n', { tags: {}, prefix: '', command: 'CAP', params: ['*', 'LS', '*', 'multi-prefix sasl=PLAIN'] }],
  ])('parses %j', (raw, expected) => {
    expect(parseLine(raw)).toEqual(expected);
  });

  it.each(['', '   ', ':prefixonly', '@tags-only'])('refuses a line without a command: %j', (raw) => {
    expect(parseLine(raw)).toBeUndefined();
  });

  it.each([
    ['nick!user@host', { nick: 'nick', user: 'user', host: 'host' }],
    ['irc.server.net', { nick: 'irc.server.net' }],
    ['nick@host', { nick: 'nick', host: 'host' }],
  ])('splits the source %s', (prefix, expected) => {
    expect(parseSource(prefix)).toEqual(expected);
  });

  it('escapes and unescapes tag values (message-tags §Escaping)', () => {
    for (const v of ['a b', 'x;y', 'back\\slash', 'cr\rlf\n', '']) expect(unescapeTagValue(escapeTagValue(v))).toBe(v);
    expect(unescapeTagValue('trailing\\')).toBe('trailing');
    expect(unescapeTagValue('\\b')).toBe('b');
  });
});

describe('IRC line serializer', () => {
  it.each([
    [['PRIVMSG', ['#c', 'hello world']], 'PRIVMSG #c :hello world'],
    [['PRIVMSG', ['#c', 'one']], 'PRIVMSG #c one'],
    [['PRIVMSG', ['#c', '']], 'PRIVMSG #c :'],
    [['PRIVMSG', ['#c', ':x']], 'PRIVMSG #c ::x'],
    [['JOIN', ['#c', 'key']], 'JOIN #c key'],
    [['QUIT', []], 'QUIT'],
  ] as const)('serializes %j', ([cmd, params], expected) => {
    expect(serializeLine(cmd, params)).toBe(expected);
  });

  it('serializes tags', () => {
    expect(serializeLine('TAGMSG', ['#c'], { '+draft/react': 'a b', x: '' })).toBe('@+draft/react=a\\sb;x TAGMSG #c');
  });

  it('puts a trailing text that is not a safe middle parameter after ":" (a lone Unicode space, found by the property test)', () => {
    expect(serializeLine('PRIVMSG', ['#c', '\u00a0'])).toBe('PRIVMSG #c :\u00a0');
    expect(serializeLine('PRIVMSG', ['#c', '\u3000x'])).toBe('PRIVMSG #c :\u3000x');
  });


  // Safety (issue 3): no field can smuggle a second command.
  it.each([
    ['a trailing body', 'PRIVMSG', ['#c', 'hi\r\nQUIT :pwned']],
    ['a topic', 'TOPIC', ['#c', 'x\nPRIVMSG #c :evil']],
    ['a kick reason', 'KICK', ['#c', 'nick', 'r\rKILL x']],
    ['a part message', 'PART', ['#c', 'bye\0QUIT']],
    ['a quit message', 'QUIT', ['a\nb']],
    ['an away text', 'AWAY', ['gone\r\nNICK x']],
  ])('never emits CR, LF or NUL from %s', (_what, cmd, params) => {
    const line = serializeLine(cmd, params);
    expect(line).not.toMatch(/[\r\n\0]/);
    expect(parseLine(line)?.command).toBe(cmd);
    expect(parseLine(line)?.params.length).toBe(params.length);
  });

  it.each([
    ['a nick with a space', 'KICK', ['#c', 'a b', 'r']],
    ['a nick with CR LF', 'KICK', ['#c', 'a\r\nQUIT', 'r']],
    ['a channel starting with a colon', 'JOIN', [':#c', 'k']],
    ['an empty middle parameter', 'KICK', ['', 'n', 'r']],
    ['a channel with a space', 'PRIVMSG', ['#a b', 'x']],
  ])('refuses %s as a middle parameter', (_what, cmd, params) => {
    expect(() => serializeLine(cmd, params)).toThrow(/unsafe IRC parameter/);
  });

  it('refuses a command that is not a word or numeric', () => {
    expect(() => serializeLine('PRIV MSG', [])).toThrow();
    expect(() => serializeLine('X\r\nQUIT', [])).toThrow();
  });
});
