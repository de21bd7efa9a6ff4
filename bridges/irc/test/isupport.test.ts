import { describe, expect, it } from 'vitest';
import { Isupport, foldCase, parsePrefix } from '../client/isupport.js';

describe('ISUPPORT', () => {
  it('reads CHANTYPES, PREFIX, CASEMAPPING, CHANMODES, NETWORK, NICKLEN', () => {
    const i = new Isupport();
    i.apply(['CHANTYPES=#&+', 'PREFIX=(qaohv)~&@%+', 'CASEMAPPING=ascii', 'CHANMODES=beI,k,l,imnpst', 'NETWORK=Test', 'NICKLEN=16']);
    expect(i.chanTypes).toBe('#&+');
    expect(i.prefixes.map((p) => p.prefix).join('')).toBe('~&@%+');
    expect(i.caseMapping).toBe('ascii');
    expect(i.network).toBe('Test');
    expect(i.nickLen).toBe(16);
    expect(i.isChannel('+chan')).toBe(true);
    expect(i.isChannel('nick')).toBe(false);
  });

  it.each([
    ['(ov)@+', [{ mode: 'o', prefix: '@' }, { mode: 'v', prefix: '+' }]],
    ['(qaohv)~&@%+', 'qaohv'.split('').map((m, i) => ({ mode: m, prefix: '~&@%+'[i] }))],
    ['', []],
    ['(ov)@', []],
  ])('parses PREFIX=%s', (value, expected) => {
    expect(parsePrefix(value)).toEqual(expected);
  });

  it.each([
    ['Nick[1]', 'rfc1459', 'nick{1}'],
    ['A\\B~', 'rfc1459', 'a|b^'],
    ['A\\B~', 'strict-rfc1459', 'a|b~'],
    ['A[]\\~', 'ascii', 'a[]\\~'],
    ['ÉCOLE', 'ascii', 'École'.replace('c', 'c').replace('É', 'É').toLowerCase().replace('é', 'É')],
  ] as const)('folds %s under %s', (name, mapping, expected) => {
    expect(foldCase(name, mapping)).toBe(expected);
  });

  it.each([
    [[], '+typing', true],
    [['CLIENTTAGDENY='], '+typing', true],
    [['CLIENTTAGDENY=*'], '+draft/react', false],
    [['CLIENTTAGDENY=*,-draft/react'], '+draft/react', true],
    [['CLIENTTAGDENY=*,-draft/react'], '+typing', false],
    [['CLIENTTAGDENY=typing,draft/reply'], '+typing', false],
    [['CLIENTTAGDENY=typing,draft/reply'], '+draft/react', true],
  ])('CLIENTTAGDENY %j lets %s through: %s', (tokens, tag, allowed) => {
    const i = new Isupport();
    i.apply(tokens);
    expect(i.clientTagAllowed(tag)).toBe(allowed);
  });

  it('reads CHATHISTORY and MSGREFTYPES (draft/chathistory); a bad count is ignored', () => {
    const i = new Isupport();
    expect([i.chatHistoryMax, i.msgRefTypes]).toEqual([undefined, []]);
    i.apply(['CHATHISTORY=50', 'MSGREFTYPES=timestamp,msgid']);
    expect([i.chatHistoryMax, i.msgRefTypes]).toEqual([50, ['timestamp', 'msgid']]);
    i.apply(['CHATHISTORY=lots']);
    expect(i.chatHistoryMax).toBe(50);
  });

  it('compares nicks by the server casemapping', () => {
    const i = new Isupport();
    expect(i.sameName('Foo[a]', 'foo{A}')).toBe(true);
    i.apply(['CASEMAPPING=ascii']);
    expect(i.sameName('Foo[a]', 'foo{A}')).toBe(false);
    expect(i.sameName('FOO', 'foo')).toBe(true);
  });

  it('splits NAMES entries with multi-prefix and userhost-in-names', () => {
    const i = new Isupport();
    i.apply(['PREFIX=(qaohv)~&@%+']);
    expect(i.splitNamesEntry('@+nick')).toEqual({ prefixes: '@+', nick: 'nick' });
    expect(i.splitNamesEntry('~nick!u@h')).toEqual({ prefixes: '~', nick: 'nick' });
    expect(i.splitNamesEntry('plain')).toEqual({ prefixes: '', nick: 'plain' });
  });

  it('knows which modes take a parameter', () => {
    const i = new Isupport();
    expect(i.modeTakesParam('o', true)).toBe(true);
    expect(i.modeTakesParam('k', false)).toBe(true);
    expect(i.modeTakesParam('l', true)).toBe(true);
    expect(i.modeTakesParam('l', false)).toBe(false);
    expect(i.modeTakesParam('m', true)).toBe(false);
  });
});
