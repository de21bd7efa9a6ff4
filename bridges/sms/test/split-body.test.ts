import { describe, expect, it } from 'vitest';
import { splitBody, TWILIO_MAX_BODY } from '../split-body.js';

describe('splitting long bodies for Twilio', () => {
  it('keeps a body within the limit whole', () => {
    expect(splitBody('short text')).toEqual(['short text']);
    expect(splitBody('a'.repeat(TWILIO_MAX_BODY))).toEqual(['a'.repeat(TWILIO_MAX_BODY)]);
  });

  it('splits at word boundaries and loses no word', () => {
    const words = Array.from({ length: 700 }, (_, i) => `word${i}`);
    const body = words.join(' ');
    const parts = splitBody(body);
    expect(parts.length).toBe(Math.ceil(body.length / TWILIO_MAX_BODY));
    for (const p of parts) {
      expect(p.length).toBeLessThanOrEqual(TWILIO_MAX_BODY);
      expect(p).not.toMatch(/^\s|\s$/);
    }
    expect(parts.join(' ').split(' ')).toEqual(words);
  });

  it('cuts a word longer than the window', () => {
    expect(splitBody('x'.repeat(25), 10)).toEqual(['x'.repeat(10), 'x'.repeat(10), 'x'.repeat(5)]);
  });

  it('never cuts a surrogate pair in two', () => {
    const parts = splitBody('😀'.repeat(10), 5);
    expect(parts.join('')).toBe('😀'.repeat(10));
    for (const p of parts) expect([...p].every((c) => c === '😀')).toBe(true);
  });

  it('prefers a boundary in the second half of the window', () => {
    expect(splitBody('aaaa bbbbbbbbb', 10)).toEqual(['aaaa bbbbb', 'bbbb']);
    expect(splitBody('aaaaaa bbbbbbb', 10)).toEqual(['aaaaaa', 'bbbbbbb']);
  });
});
