import { describe, expect, it } from 'vitest';
import { ircToStyling, openCodesAtEnd, stylingLineToIrc, stylingToIrcLines } from '../styling.js';
import { bodyToIrc, byteLength, ircToBody, ircWireText, stripFormatting } from '../text.js';

const B = '\x02';
const I = '\x1d';
const S = '\x1e';
const M = '\x11';

describe('XEP-0393 styling → IRC formatting (one line)', () => {
  it.each([
    ['strong', '*bold*', `${B}bold${B}`],
    ['emphasis and strike', '_it_ and ~st~', `${I}it${I} and ${S}st${S}`],
    ['preformatted span: no styling inside', '`a*b*`', `${M}a*b*${M}`],
    ['nested, the second directive right after the first', '*_both_*', `${B}${I}both${I}${B}`],
    ['pre inside strong', '*`code`*', `${B}${M}code${M}${B}`],
    ['several spans', '_a_ `x` *b*', `${I}a${I} ${M}x${M} ${B}b${B}`],
    ['markers inside a word are text', 'a*b*c', 'a*b*c'],
    ['snake_case is text', 'snake_case_name', 'snake_case_name'],
    ['a URL keeps its underscores', 'http://x/_a_b_', 'http://x/_a_b_'],
    ['opening directive followed by whitespace', '* not*', '* not*'],
    ['closing directive preceded by whitespace', '*not *', '*not *'],
    ['an empty span is text', '**', '**'],
    ['unmatched opening directive', '*unmatched', '*unmatched'],
    ['unmatched after a closed span', '*a* *b', `${B}a${B} *b`],
    ['text may follow a closing directive', '*a*b', `${B}a${B}b`],
    ['lazy: the first valid closing directive ends the span', 'x *a _b* c_', `x ${B}a _b${B} c_`],
    ['multiplication is text', '2*3*4', '2*3*4'],
    ['a quotation keeps its >', '> *q*', `> ${B}q${B}`],
  ])('%s: %j', (_what, line, irc) => {
    expect(stylingLineToIrc(line)).toBe(irc);
  });
});

describe('XEP-0393 preformatted blocks → IRC', () => {
  it('sends the lines between the fences monospace, unstyled, without the fences', () => {
    expect(stylingToIrcLines(['```js', 'a *b*', '', 'c', '```', '*d*'])).toEqual([`${M}a *b*${M}`, `${M}c${M}`, `${B}d${B}`]);
  });
  it('an unclosed block runs to the end of the message', () => {
    expect(stylingToIrcLines(['x', '```', '*y*'])).toEqual(['x', `${M}*y*${M}`]);
  });
  it('a body that would be left with nothing keeps its lines', () => {
    expect(stylingToIrcLines(['```', '```'])).toEqual(['```', '```']);
  });
});

describe('IRC formatting → XEP-0393 styling', () => {
  it.each([
    ['bold', `${B}bold${B}`, '*bold*'],
    ['italic, strike, monospace', `${I}i${I} ${S}s${S} ${M}m${M}`, '_i_ ~s~ `m`'],
    ['unclosed at the end of the line (IRC ends it there)', `${B}unclosed`, '*unclosed*'],
    ['whitespace at the edges of a run goes outside the span', `${B}bold ${B}text`, '*bold* text'],
    ['nested', `${B}${I}both${I}${B}`, '*_both_*'],
    ['reset \\x0f ends every style', `${B}${I}a\x0f b`, '*_a_* b'],
    ['inside a word: text kept, formatting dropped', `foo${B}bar${B}`, 'foobar'],
    ['two runs touching cannot both be said', `${B}a${B}${I}b${I}`, '*a*b'],
    ['crossing runs: the first kept', `${B}a${I}b${B}c${I}`, '*ab*c'],
    ['styles inside monospace are dropped', `${M}a${B}b${B}c${M}`, '`abc`'],
    ['a run holding its own directive cannot be said', `${B}a*b${B}`, 'a*b'],
    ['a run of only whitespace', `${B} ${B}`, ' '],
    ['colours with background removed, the rest kept', `\x0304,12red\x03 ${B}b\x0f c`, 'red *b* c'],
    ['a comma after a colour without digits is text', '\x0304,x', ',x'],
    ['a comma after a colour, then bold: not at a word start', `\x0312,${B}b${B}`, ',b'],
    ['hex colour removed', '\x04ff0000,00ff00hex\x04 x', 'hex x'],
    ['underline and reverse have no XEP-0393 form', '\x1fund\x1f \x16rev\x16', 'und rev'],
    ['text that already holds directives keeps its text, formatting dropped', `use *args* ${B}here${B}`, 'use *args* here'],
    ['no formatting: unchanged, directives and all', 'a *b* c', 'a *b* c'],
  ])('%s: %j', (_what, irc, styled) => {
    expect(ircToStyling(irc)).toBe(styled);
  });

  it('reads CTCP ACTION text and keeps CTCP arguments plain', () => {
    expect(ircToBody(`\x01ACTION ${B}waves${B}\x01`)).toEqual({ kind: 'text', body: '/me *waves*' });
    expect(ircToBody(`\x01VERSION ${B}x${B}\x01`)).toEqual({ kind: 'ctcp', command: 'VERSION', args: 'x' });
    expect(ircToBody(`hello ${I}there${I}`)).toEqual({ kind: 'text', body: 'hello _there_' });
  });
});

describe('both ways', () => {
  it.each(['*bold*', '_it_ and ~st~', '*_both_*', '`code`', 'plain', 'a*b*c', '> *q* x'])('%j comes back as it went', (line) => {
    expect(ircToStyling(stylingLineToIrc(line))).toBe(line);
  });

  it('bodyToIrc styles every line and /me', () => {
    expect(bodyToIrc('/me *waves*\n_hi_', () => 400)).toEqual([
      { action: true, text: `${B}waves${B}` },
      { action: false, text: `${I}hi${I}` },
    ]);
  });

  it('a styled line cut in several keeps its formatting on in each IRC line, within the budget', () => {
    const body = `*${'word '.repeat(60)}end* tail`;
    const budget = 100;
    const texts = bodyToIrc(body, () => budget);
    expect(texts.length).toBeGreaterThan(2);
    for (const t of texts) {
      expect(byteLength(ircWireText(t))).toBeLessThanOrEqual(budget);
      expect(stripFormatting(t.text)).not.toBe('');
    }
    for (const t of texts.slice(0, -1)) expect(t.text.startsWith(B)).toBe(true);
    expect(texts.map((t) => stripFormatting(t.text)).join('')).toBe(`${'word '.repeat(60)}end tail`);
    expect(openCodesAtEnd(texts.at(-1)!.text)).toBe('');
  });
});
