import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { serializeLine } from '../client/line.js';
import { batchLines, joinParts, MultilineAssembler, parseMultilineLimits, planBatches } from '../client/multiline.js';
import type { BatchEvent, TextEvent } from '../client/events.js';

describe('draft/multiline limits from the CAP value', () => {
  it.each([
    ['max-bytes=4096,max-lines=24', { maxBytes: 4096, maxLines: 24 }],
    ['max-bytes=4096', { maxBytes: 4096 }],
    ['max-lines=24', undefined],
    ['max-bytes=0', undefined],
    ['max-bytes=abc,max-lines=2', undefined],
    ['', undefined],
  ])('%s', (value, expected) => {
    expect(parseMultilineLimits(value)).toEqual(expected);
  });
  it('is nothing without the capability', () => {
    expect(parseMultilineLimits(undefined)).toBeUndefined();
  });
});

describe('cutting a body into batches', () => {
  const parts = (...texts: string[]) => texts.map((t) => (t.startsWith('+') ? { text: t.slice(1), concat: true } : { text: t }));
  it('one batch when it fits', () => {
    expect(planBatches(parts('a', 'b', 'c'), { maxBytes: 100, maxLines: 3 })).toEqual([[0, 3]]);
  });
  it('cuts at max-lines', () => {
    expect(planBatches(parts('a', 'b', 'c', 'd', 'e'), { maxBytes: 100, maxLines: 2 })).toEqual([
      [0, 2],
      [2, 4],
      [4, 5],
    ]);
  });
  it('cuts at max-bytes, counting the line breaks but not before a concat line', () => {
    // 'aaaa' + '\n' + 'bbbb' = 9 bytes; 'cccc' would make 14.
    expect(planBatches(parts('aaaa', 'bbbb', 'cccc'), { maxBytes: 10 })).toEqual([
      [0, 2],
      [2, 3],
    ]);
    expect(planBatches(parts('aaaa', '+bbbb', '+cc'), { maxBytes: 10 })).toEqual([[0, 3]]);
  });
  it('gives up when one line alone is over max-bytes', () => {
    expect(planBatches(parts('short', 'much too long'), { maxBytes: 8 })).toBeUndefined();
  });
  it('joins lines with LF and concat lines as they are', () => {
    expect(joinParts(parts('one', 'tw', '+o', 'three'))).toBe('one\ntwo\nthree');
  });
  it('writes BATCH + with the opening tags, the lines tagged, concat on continuations, BATCH -', () => {
    expect(batchLines('r1', 'PRIVMSG', '#c', parts('a', '+b'), { label: 'l' })).toEqual([
      { command: 'BATCH', params: ['+r1', 'draft/multiline', '#c'], tags: { label: 'l' } },
      { command: 'PRIVMSG', params: ['#c', 'a'], tags: { batch: 'r1' } },
      { command: 'PRIVMSG', params: ['#c', 'b'], tags: { batch: 'r1', 'draft/multiline-concat': '' } },
      { command: 'BATCH', params: ['-r1'], tags: {} },
    ]);
  });
});

describe('an inbound multiline batch', () => {
  const bob = { nick: 'bob', user: 'b', host: 'h' };
  const open = (ref: string, extra: Partial<BatchEvent> = {}): BatchEvent => ({
    type: 'batch',
    source: bob,
    opening: true,
    ref,
    batchType: 'draft/multiline',
    params: ['#c'],
    ...extra,
  });
  const line = (ref: string, text: string, extra: Partial<TextEvent> = {}): TextEvent => ({
    type: 'message',
    source: bob,
    target: '#c',
    text,
    batch: ref,
    ...extra,
  });

  it("becomes one message with the opening line's ids", () => {
    const a = new MultilineAssembler({ maxOpen: 4, maxLines: 10, maxChars: 1000 });
    expect(a.begin(open('m', { msgid: 'id1', time: 't1', label: 'l1' }))).toBe(true);
    for (const ev of [line('m', 'one'), line('m', 'tw'), line('m', 'o', { concat: true }), line('m', 'elsewhere', { target: '#other' })])
      expect(a.take(ev)).toBe(true);
    expect(a.take(line('other', 'x'))).toBe(false);
    expect(a.end('m')).toEqual({ type: 'message', source: bob, target: '#c', text: 'one\ntwo', msgid: 'id1', time: 't1', label: 'l1', truncated: false });
    expect(a.end('m')).toBeUndefined();
  });

  it('is bounded: lines, characters and open batches', () => {
    const a = new MultilineAssembler({ maxOpen: 1, maxLines: 2, maxChars: 1000 });
    a.begin(open('m'));
    expect(a.begin(open('n'))).toBe(false);
    for (let i = 0; i < 1000; i++) a.take(line('m', `line ${i}`));
    expect(a.end('m')).toMatchObject({ text: 'line 0\nline 1', truncated: true });
    const b = new MultilineAssembler({ maxOpen: 1, maxLines: 100, maxChars: 10 });
    b.begin(open('m'));
    b.take(line('m', '0123456789'));
    b.take(line('m', 'more'));
    expect(b.end('m')).toMatchObject({ text: '0123456789', truncated: true });
  });
});

describe('multiline properties (fast-check)', () => {
  const bytes = (t: string) => new TextEncoder().encode(t).length;
  const part = fc.record({ text: fc.string({ minLength: 1, maxLength: 40, unit: 'grapheme' }), concat: fc.boolean() });

  it('batches cover the parts in order, each within max-lines and max-bytes; undefined only for a part over max-bytes', () => {
    fc.assert(
      fc.property(
        fc.array(part, { maxLength: 60 }),
        fc.integer({ min: 1, max: 300 }),
        fc.option(fc.integer({ min: 1, max: 10 }), { nil: undefined }),
        (parts, maxBytes, maxLines) => {
          const limits = maxLines === undefined ? { maxBytes } : { maxBytes, maxLines };
          const plan = planBatches(parts, limits);
          if (plan === undefined) return parts.some((p) => bytes(p.text) > maxBytes);
          let next = 0;
          for (const [a, b] of plan) {
            if (a !== next || b <= a) return false;
            if (maxLines !== undefined && b - a > maxLines) return false;
            const content = parts.slice(a, b).reduce((n, p, i) => n + bytes(p.text) + (i > 0 && !p.concat ? 1 : 0), 0);
            if (content > maxBytes) return false;
            next = b;
          }
          return next === parts.length;
        },
      ),
    );
  });

  it('a batch written for any text and target has no CR, LF or NUL inside a line, or is refused', () => {
    fc.assert(
      fc.property(fc.array(part, { minLength: 1, maxLength: 5 }), fc.string({ maxLength: 20 }), (parts, target) => {
        try {
          const lines = batchLines('r', 'PRIVMSG', target, parts).map((l) => serializeLine(l.command, l.params, l.tags));
          return lines.every((l) => !/[\r\n\0]/.test(l));
        } catch (err) {
          return /unsafe IRC parameter/.test((err as Error).message);
        }
      }),
    );
  });
});
