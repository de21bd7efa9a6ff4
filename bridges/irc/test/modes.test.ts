import { describe, expect, it } from 'vitest';
import { Isupport } from '../client/isupport.js';
import { formatModeChanges, mucToModeChanges, parseModeChanges, prefixesToMuc } from '../modes.js';

const full = new Isupport();
full.apply(['PREFIX=(qaohv)~&@%+', 'CHANMODES=beI,k,l,imnpst']);

describe('channel modes ⇄ MUC affiliation/role', () => {
  it.each([
    ['~', 'owner', 'moderator'],
    ['&', 'admin', 'moderator'],
    ['@', 'admin', 'moderator'],
    ['%', 'member', 'moderator'],
    ['+', 'member', 'participant'],
    ['', 'none', 'participant'],
    ['@+', 'admin', 'moderator'],
    ['%+', 'member', 'moderator'],
    ['~@%+', 'owner', 'moderator'],
  ])('prefixes %j give %s/%s', (prefixes, affiliation, role) => {
    expect(prefixesToMuc(prefixes)).toEqual({ affiliation, role });
  });

  it('parses mode changes with their parameters', () => {
    expect(parseModeChanges(full, '+ov-k+l', ['a', 'b', 'key', '10'])).toEqual([
      { adding: true, mode: 'o', param: 'a' },
      { adding: true, mode: 'v', param: 'b' },
      { adding: false, mode: 'k', param: 'key' },
      { adding: true, mode: 'l', param: '10' },
    ]);
    expect(parseModeChanges(full, '-l+m', [])).toEqual([
      { adding: false, mode: 'l' },
      { adding: true, mode: 'm' },
    ]);
  });

  it('formats changes like biboumi ("+v-o Nick2 Nick2")', () => {
    expect(formatModeChanges([{ adding: true, mode: 'v', param: 'N' }, { adding: false, mode: 'o', param: 'N' }])).toBe('+v-o N N');
    expect(formatModeChanges([{ adding: true, mode: 'k', param: 'SECRET' }])).toBe('+k SECRET');
  });

  it.each([
    [{ affiliation: 'admin' }, [], '+o N'],
    [{ affiliation: 'member', role: 'participant' }, ['o'], '+v-o N N'],
    [{ affiliation: 'owner' }, [], '+q N'],
    [{ affiliation: 'none' }, ['o', 'v'], '-ov N N'],
    [{ role: 'moderator' }, [], '+h N'],
    [{ role: 'participant' }, ['h'], '+v-h N N'],
    [{ role: 'visitor' }, ['v'], '-v N'],
  ] as const)('maps %j (current %j) to %s', (want, current, expected) => {
    expect(formatModeChanges(mucToModeChanges(full, new Set(current), 'N', want))).toBe(expected);
  });

  it('falls back to +o when the server has no halfops', () => {
    const basic = new Isupport();
    expect(formatModeChanges(mucToModeChanges(basic, new Set(), 'N', { role: 'moderator' }))).toBe('+o N');
  });
});
