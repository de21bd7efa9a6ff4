import { describe, expect, it } from 'vitest';
import { StanzaError } from '../../../src/core/errors.js';
import { contactLocalpart, parseLocalpart, roomLocalpart, serviceLocalpart } from '../address.js';

const opts = { chanTypes: () => '#&' };
const fixed = { fixedNetwork: 'libera', chanTypes: () => '#&' };

describe('IRC addressing', () => {
  it.each([
    ['#chan%libera', { kind: 'room', network: 'libera', channel: '#chan' }],
    ['#chan%irc.libera.chat', { kind: 'room', network: 'irc.libera.chat', channel: '#chan' }],
    ['&local%net', { kind: 'room', network: 'net', channel: '&local' }],
    ['#true\\2ffalse%net', { kind: 'room', network: 'net', channel: '#true/false' }],
    ['#biboumi\\40louiz.org\\3a80%net', { kind: 'room', network: 'net', channel: '#biboumi@louiz.org:80' }],
    ['#a%b%net', { kind: 'room', network: 'net', channel: '#a%b' }],
    ['nick%libera', { kind: 'contact', network: 'libera', nick: 'nick' }],
    ['nick[away]%libera', { kind: 'contact', network: 'libera', nick: 'nick[away]' }],
    ['libera', { kind: 'service', network: 'libera' }],
    ['irc.libera.chat', { kind: 'service', network: 'irc.libera.chat' }],
    ['', { kind: 'gateway' }],
  ])('parses %s', (localpart, expected) => {
    expect(parseLocalpart(localpart, opts)).toEqual(expected);
  });

  it.each([
    ['#chan', { kind: 'room', network: 'libera', channel: '#chan' }],
    ['nick', { kind: 'contact', network: 'libera', nick: 'nick' }],
    ['', { kind: 'service', network: 'libera' }],
  ])('parses %s in fixed-network mode', (localpart, expected) => {
    expect(parseLocalpart(localpart, fixed)).toEqual(expected);
  });

  it('uses the network CHANTYPES to tell channels from nicks', () => {
    expect(parseLocalpart('+chan%net', { chanTypes: () => '#+' })).toEqual({ kind: 'room', network: 'net', channel: '+chan' });
    expect(parseLocalpart('&x%net', { chanTypes: () => '#' }).kind).toBe('contact');
  });

  it.each([
    ['#%net', 'a one-character channel'],
    ['#a\\20b%net', 'a channel with a space'],
    ['#a,b%net', 'a channel with a comma'],
    ['ni\\20ck%net', 'a nick with a space'],
    ['a!b%net', 'a nick with !'],
    [':x%net', 'a nick starting with a colon'],
    ['%net', 'an empty target'],
    ['#c%', 'an empty network'],
    ['#c%bad_net!', 'a network with bad characters'],
  ])('refuses %s (%s) with jid-malformed', (localpart) => {
    expect(() => parseLocalpart(localpart, opts)).toThrow(StanzaError);
    try {
      parseLocalpart(localpart, opts);
    } catch (err) {
      expect((err as StanzaError).condition).toBe('jid-malformed');
    }
  });

  it('formats local parts with XEP-0106 escapes, nicks lower-cased', () => {
    expect(roomLocalpart('net', '#true/false', false)).toBe('#true\\2ffalse%net');
    expect(roomLocalpart('net', '#chan', true)).toBe('#chan');
    expect(contactLocalpart('net', 'Nick2', false)).toBe('nick2%net');
    expect(contactLocalpart('net', 'Nick', true)).toBe('nick');
    expect(serviceLocalpart('net', false)).toBe('net');
    expect(serviceLocalpart('net', true)).toBe('');
  });

  it('round-trips every room it formats', () => {
    for (const ch of ['#a', '#a/b', '#x@y:1', "#it's", '#a\\b', '#é']) {
      expect(parseLocalpart(roomLocalpart('n', ch, false), opts)).toEqual({ kind: 'room', network: 'n', channel: ch });
    }
  });
});
