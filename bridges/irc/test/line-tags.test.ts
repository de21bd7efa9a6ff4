// What irc-framework's parser and tag codec (bridges/irc/client/line.ts, design.md §4b) do at the
// edges the bridge's own line tests (line.test.ts) do not reach: tag keys on both ways, and masks.
import { describe, expect, it } from 'vitest';
import { cleanIncomingLine } from '../client/input-text.js';
import { parseLine, parseSource, serializeLine } from '../client/line.js';

describe('IRC message tags through irc-framework', () => {
  it.each([
    ['a space', 'a b'],
    ['a semicolon', 'a;b'],
    ['an equals sign', 'a=b'],
    ['CR LF', 'x\r\nQUIT'],
    ['NUL', 'a\0'],
    ['nothing', ''],
  ])('refuses to send a tag key with %s: it could end the tag section or the line', (_what, key) => {
    expect(() => serializeLine('TAGMSG', ['#c'], { [key]: 'v' })).toThrow(/invalid IRC tag key/);
  });

  it('sends client-only and vendor tag keys (message-tags §Format)', () => {
    expect(serializeLine('TAGMSG', ['#c'], { '+draft/reply': 'id1', 'example.com/x': '', label: 'l 1' })).toBe(
      '@+draft/reply=id1;example.com/x;label=l\\s1 TAGMSG #c',
    );
  });

  it('reads a __proto__ tag from the server as an ordinary key, through the input boundary too', () => {
    const line = parseLine('@__proto__=x;msgid=m1 :n!u@h PRIVMSG #c :hi')!;
    expect(Object.keys(line.tags)).toEqual(['__proto__', 'msgid']);
    const clean = cleanIncomingLine(line);
    expect('refused' in clean ? undefined : Object.keys(clean.tags)).toEqual(['__proto__', 'msgid']);
  });

  it('lower-cases tag keys (irc-framework), so msgid, time, label and batch are found however the server spells them', () => {
    expect(parseLine('@MsgID=m1;Time=t :n!u@h PRIVMSG #c :hi')!.tags).toEqual({ msgid: 'm1', time: 't' });
  });
});

describe('IRC masks through irc-framework', () => {
  it.each([
    ['nick!user@host', { nick: 'nick', user: 'user', host: 'host' }],
    ['nick!user', { nick: 'nick', user: 'user' }],
    ['n!@h', { nick: 'n', user: '', host: 'h' }],
    ['a@b!c', { nick: 'a@b', user: 'c' }],
    ['a@b!c@d', { nick: 'a@b', user: 'c', host: 'd' }],
    ['irc.example.net', { nick: 'irc.example.net' }],
  ])('splits %s as the bridge always did', (prefix, expected) => {
    expect(parseSource(prefix)).toEqual(expected);
  });
});
