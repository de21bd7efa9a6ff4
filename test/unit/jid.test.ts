import { describe, expect, it } from 'vitest';
import { bareJid, escapeLocal, formatJid, parseJid, unescapeLocal } from '../../src/xmpp/jid.js';

describe('JIDs', () => {
  it.each([
    ['alice@example.org/res', { local: 'alice', domain: 'example.org', resource: 'res' }],
    ['example.org', { local: '', domain: 'example.org', resource: '' }],
    ['#chan%irc.net@irc.example.org/Nick/with/slash', { local: '#chan%irc.net', domain: 'irc.example.org', resource: 'Nick/with/slash' }],
    ['a@EXAMPLE.org', { local: 'a', domain: 'example.org', resource: '' }],
  ])('parses %s', (text, expected) => {
    expect(parseJid(text)).toEqual(expected);
  });

  it.each(['', '@example.org', 'a@', 'a@b/', 'a b@example.org', 'a@b@c', "o'neil@example.org"])('rejects %j', (text) => {
    expect(parseJid(text)).toBeUndefined();
  });

  it('formats and takes the bare JID', () => {
    expect(formatJid({ local: 'a', domain: 'b', resource: 'r' })).toBe('a@b/r');
    expect(bareJid('a@b/r')).toBe('a@b');
    expect(bareJid('not a jid')).toBeUndefined();
  });
});

describe('XEP-0106 escaping', () => {
  it.each([
    ['alice@example.com', 'alice\\40example.com'],
    ['#true/false', '#true\\2ffalse'],
    ['#biboumi@louiz.org:80', '#biboumi\\40louiz.org\\3a80'],
    ['space cadet', 'space\\20cadet'],
    ['c:\\net', 'c\\3a\\net'],
    ['call\\me', 'call\\me'],
    ['\\40', '\\5c40'],
    ["d'artagnan <d@x>", 'd\\27artagnan\\20\\3cd\\40x\\3e'],
  ])('escapes %j as %j and back', (raw, escaped) => {
    expect(escapeLocal(raw)).toBe(escaped);
    expect(unescapeLocal(escaped)).toBe(raw);
  });

  it('leaves unknown escape-like sequences alone', () => {
    expect(unescapeLocal('a\\zzb\\41')).toBe('a\\zzb\\41');
  });
});
