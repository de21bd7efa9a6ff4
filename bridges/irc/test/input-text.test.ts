import { describe, expect, it } from 'vitest';
import { cleanIncomingLine, cleanIrcText } from '../client/input-text.js';
import { LineReader } from '../client/line-reader.js';
import { parseLine, type IrcLine } from '../client/line.js';

const clean = (raw: string): IrcLine | undefined => {
  const line = cleanIncomingLine(parseLine(raw)!);
  return 'refused' in line ? undefined : line;
};

describe('IRC input boundary: one defined text for every field', () => {
  it.each([
    ['formatting codes removed', '\x02bold\x02 \x0304,12red\x03 \x04ff0000hex\x04 \x0freset \x16rev \x1dit \x1estrike \x1fund \x11mono', 'bold red hex reset rev it strike und mono'],
    ['BEL, ESC, VT, FF, NUL and other C0 dropped', 'a\x07b\x1b[31mc\x0bd\x0ce\x00f\x05g\x1ch', 'ab[31mcdefgh'],
    ['TAB is a space', 'a\tb', 'a b'],
    ['DEL and C1 dropped', 'a\x7fb\x85c\x9fd', 'abcd'],
    ['U+FFFE and U+FFFF are U+FFFD', 'x\ufffey\uffffz', 'x\ufffdy\ufffdz'],
    ['a lone surrogate is U+FFFD', 'a\ud800b', 'a\ufffdb'],
    ['plain text unchanged', 'naïve 👋 <&>', 'naïve 👋 <&>'],
  ])('%s', (_what, input, expected) => {
    expect(cleanIrcText(input)).toBe(expected);
  });

  it('keeps the CTCP delimiter only in the text of PRIVMSG and NOTICE', () => {
    expect(clean(':n!u@h PRIVMSG #c :\x01ACTION waves\x07\x01')?.params).toEqual(['#c', '\x01ACTION waves\x01']);
    expect(clean(':n!u@h TOPIC #c :\x01topic\x01')?.params).toEqual(['#c', 'topic']);
  });

  it('keeps the formatting codes only in the text of PRIVMSG and NOTICE (text.ts makes them XEP-0393 styling)', () => {
    expect(clean(':n!u@h PRIVMSG #c :\x02b\x02 \x0304,12c\x03 \x1di\x1d\x0f\x07')?.params).toEqual(['#c', '\x02b\x02 \x0304,12c\x03 \x1di\x1d\x0f']);
    expect(clean(':n!u@h NOTICE #c :\x11m\x11 \x1es\x1e \x16r\x1fu\x04ff0000h')?.params).toEqual(['#c', '\x11m\x11 \x1es\x1e \x16r\x1fu\x04ff0000h']);
    expect(clean(':n!u@h PART #c :\x02bye\x02')?.params).toEqual(['#c', 'bye']);
  });

  it('cleans every position: tags, prefix, channel, trailing', () => {
    expect(clean('@msgid=a\\sb\x07;time=2024\x1b :ni\x07ck!us\x00er@ho\x1bst PRIVMSG #ch\x07an :t\x1bext\x00')).toEqual({
      tags: { msgid: 'a b', time: '2024' },
      prefix: 'nick!user@host',
      command: 'PRIVMSG',
      params: ['#chan', 'text'],
    });
    expect(clean(':srv 332 me #c :\x02Topic\x02 with \x07bell')?.params).toEqual(['me', '#c', 'Topic with bell']);
    expect(clean(':n!u@h QUIT :\x0304bye\x07')?.params).toEqual(['bye']);
  });

  it('refuses a line whose nick, target or new nick is only control characters', () => {
    expect(clean(':\x07\x07!u@h PRIVMSG #c :hi')).toBeUndefined();
    expect(clean(':n!u@h PRIVMSG \x07 :hi')).toBeUndefined();
    expect(clean(':n!u@h NICK :\x1b')).toBeUndefined();
    expect(clean(':n!u@h KICK #c \x00 :r')).toBeUndefined();
    // Text may become empty: the line stays.
    expect(clean(':n!u@h PART #c :\x07')?.params).toEqual(['#c', '']);
    expect(clean(':n!u@h QUIT :\x07')?.params).toEqual(['']);
    expect(cleanIncomingLine(parseLine(':\x07!u@h PRIVMSG #c :hi')!)).toEqual({ refused: 'controls' });
  });

  it.each([':n!u@h PRIVMSG', ':n!u@h PRIVMSG #c', ':n!u@h KICK #c', ':n!u@h NICK', ':n!u@h JOIN', ':srv 353 me = #c', ':srv 366 me', ':srv 352 me #c u h s', ':srv 332 me', 'CAP *', ':n!u@h MODE #c'])(
    'refuses %j: a command without the parameters it needs',
    (raw) => {
      expect(cleanIncomingLine(parseLine(raw)!)).toEqual({ refused: 'missing-params' });
    },
  );

  it('keeps commands that need no parameters', () => {
    expect(clean('PING')?.command).toBe('PING');
    expect(clean(':n!u@h QUIT')?.params).toEqual([]);
    expect(clean('ERROR')?.command).toBe('ERROR');
  });
});

describe('IRC line reader (bounded input)', () => {
  function reader(max: number) {
    const lines: string[] = [];
    let tooLong = 0;
    const r = new LineReader(max, (b) => lines.push(b.toString('latin1')), () => tooLong++);
    return { r, lines, tooLong: () => tooLong };
  }

  it('splits CR LF and bare LF lines across chunks', () => {
    const { r, lines } = reader(100);
    r.push(Buffer.from('PING :a\r\nPI'));
    r.push(Buffer.from('NG :b\nPING'));
    r.push(Buffer.from(' :c\r'));
    r.push(Buffer.from('\n'));
    expect(lines).toEqual(['PING :a', 'PING :b', 'PING :c']);
  });

  it('discards a line over the bound up to its end and goes on with the next, holding at most the bound', () => {
    const { r, lines, tooLong } = reader(512);
    r.push(Buffer.from('first\r\n'));
    // 10 MB in 64 KiB chunks, as a socket delivers them.
    const chunk = Buffer.alloc(64 * 1024, 0x41);
    let maxHeld = 0;
    for (let sent = 0; sent < 10 * 1024 * 1024; sent += chunk.length) {
      r.push(chunk);
      maxHeld = Math.max(maxHeld, r.buffered);
    }
    r.push(Buffer.from('AAAA\r\nnext\r\n'));
    expect(lines).toEqual(['first', 'next']);
    expect(tooLong()).toBe(1);
    expect(maxHeld).toBeLessThanOrEqual(512);
  });

  it('accepts a line of exactly the bound, refuses one byte more', () => {
    const { r, lines, tooLong } = reader(10);
    r.push(Buffer.from(`${'x'.repeat(10)}\r\n${'y'.repeat(11)}\r\nz\n`));
    expect(lines).toEqual(['x'.repeat(10), 'z']);
    expect(tooLong()).toBe(1);
  });
});
