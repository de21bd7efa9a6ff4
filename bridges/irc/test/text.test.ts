import { describe, expect, it } from 'vitest';
import { parseLine, serializeLine } from '../client/line.js';
import { bodyToIrc, byteLength, ircToBody, ircWireText, splitUtf8, stripFormatting, textBudget, topicToIrc } from '../text.js';

describe('message text', () => {
  it('splits on UTF-8 character boundaries within the byte budget', () => {
    const text = 'é'.repeat(300) + '😀'.repeat(50);
    const chunks = splitUtf8(text, 101);
    expect(chunks.join('')).toBe(text);
    for (const c of chunks) {
      expect(byteLength(c)).toBeLessThanOrEqual(101);
      expect(c).not.toMatch(/\uFFFD/);
      expect(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(c)).toBe(false);
    }
  });

  it('prefers cutting after a space, losing no word', () => {
    const text = Array.from({ length: 100 }, (_, i) => `word${i}`).join(' ');
    const chunks = splitUtf8(text, 60);
    expect(chunks.join('')).toBe(text);
    for (const c of chunks.slice(0, -1)) expect(c.endsWith(' ')).toBe(true);
  });

  it('turns a multi-line body into one IRC line per line, dropping empty ones', () => {
    expect(bodyToIrc('un\ndeux\r\n\ntrois', () => 400)).toEqual([
      { action: false, text: 'un' },
      { action: false, text: 'deux' },
      { action: false, text: 'trois' },
    ]);
  });

  it('keeps every relayed line within 512 bytes including the prefix and CR LF', () => {
    const source = { nick: 'SomeNick', user: 'someuser', host: 'some.host.example.org' };
    const budget = textBudget('PRIVMSG', '#channel', source);
    const body = `${'ü'.repeat(700)}\n${'x'.repeat(1000)}`;
    const texts = bodyToIrc(body, () => budget);
    expect(texts.map((t) => t.text).join('')).toBe('ü'.repeat(700) + 'x'.repeat(1000));
    for (const t of texts) {
      const relayed = `:${source.nick}!${source.user}@${source.host} ${serializeLine('PRIVMSG', ['#channel', ircWireText(t)])}\r\n`;
      expect(byteLength(relayed)).toBeLessThanOrEqual(512);
    }
  });

  it('sends /me as CTCP ACTION and reads it back as /me', () => {
    const [t] = bodyToIrc('/me rit en IRC', () => 400);
    expect(t).toEqual({ action: true, text: 'rit en IRC' });
    expect(ircWireText(t!)).toBe('\x01ACTION rit en IRC\x01');
    expect(ircToBody('\x01ACTION rit en IRC\x01')).toEqual({ kind: 'text', body: '/me rit en IRC' });
  });

  it('keeps other CTCPs apart and strips formatting codes', () => {
    expect(ircToBody('\x01VERSION\x01')).toEqual({ kind: 'ctcp', command: 'VERSION', args: '' });
    expect(ircToBody('\x01PING 123\x01')).toEqual({ kind: 'ctcp', command: 'PING', args: '123' });
    // The command name too: a formatting code there reached XMPP as a control character (fast-check seed -1098441439).
    expect(ircToBody('\x01\x03')).toEqual({ kind: 'ctcp', command: '', args: '' });
    expect(ircToBody('\x01\x02VER\x02SION\x01')).toEqual({ kind: 'ctcp', command: 'VERSION', args: '' });
    expect(stripFormatting('\x02bold\x02 \x0304,01red\x03 \x1funder\x0f')).toBe('bold red under');
  });

  it('never lets CR, LF or NUL of a body reach the wire', () => {
    for (const t of bodyToIrc('a\rQUIT :x\nb\0c', () => 400)) {
      const line = serializeLine('PRIVMSG', ['#c', ircWireText(t)]);
      expect(line).not.toMatch(/[\r\n\0]/);
      expect(parseLine(line)?.command).toBe('PRIVMSG');
    }
  });

  it('makes topics one line', () => {
    expect(topicToIrc('FIRST LINE\nSECOND LINE.')).toBe('FIRST LINE SECOND LINE.');
  });
});
