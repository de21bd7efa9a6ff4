import { describe, expect, it } from 'vitest';
import { countSegments, nonGsmCharacters } from '../segments.js';

describe('SMS segment counting (GSM 03.38)', () => {
  const table: Array<[string, string, { encoding: 'GSM-7' | 'UCS-2'; segments: number; units: number }]> = [
    ['empty body', '', { encoding: 'GSM-7', segments: 0, units: 0 }],
    ['plain ASCII', 'hello', { encoding: 'GSM-7', segments: 1, units: 5 }],
    ['160 GSM characters fit one SMS', 'a'.repeat(160), { encoding: 'GSM-7', segments: 1, units: 160 }],
    ['161 GSM characters take two 153-septet parts', 'a'.repeat(161), { encoding: 'GSM-7', segments: 2, units: 161 }],
    ['306 GSM characters fill two parts exactly', 'a'.repeat(306), { encoding: 'GSM-7', segments: 2, units: 306 }],
    ['307 GSM characters take three parts', 'a'.repeat(307), { encoding: 'GSM-7', segments: 3, units: 307 }],
    ['extension characters cost two septets', '€'.repeat(80), { encoding: 'GSM-7', segments: 1, units: 160 }],
    ['an extension character past 160 septets splits', '€'.repeat(81), { encoding: 'GSM-7', segments: 2, units: 162 }],
    ['an escape pair is never split across parts', 'a'.repeat(152) + '€' + 'a'.repeat(152), { encoding: 'GSM-7', segments: 3, units: 306 }],
    ['GSM accented letters stay GSM-7', 'àéèùìòÇÑÜß', { encoding: 'GSM-7', segments: 1, units: 10 }],
    ['a non-GSM accent forces UCS-2', 'café â', { encoding: 'UCS-2', segments: 1, units: 6 }],
    ['70 UCS-2 units fit one SMS', 'ж'.repeat(70), { encoding: 'UCS-2', segments: 1, units: 70 }],
    ['71 UCS-2 units take two 67-unit parts', 'ж'.repeat(71), { encoding: 'UCS-2', segments: 2, units: 71 }],
    ['an emoji is two UTF-16 units', '😀'.repeat(35), { encoding: 'UCS-2', segments: 1, units: 70 }],
    ['a surrogate pair is never split across parts', 'ж'.repeat(66) + '😀' + 'ж'.repeat(66), { encoding: 'UCS-2', segments: 3, units: 134 }],
    ['smart quotes force UCS-2', '“quoted”', { encoding: 'UCS-2', segments: 1, units: 8 }],
    ['a long UCS-2 text counts 67 per part', 'ж'.repeat(268), { encoding: 'UCS-2', segments: 4, units: 268 }],
  ];
  for (const [name, body, expected] of table) {
    it(name, () => {
      expect(countSegments(body)).toEqual(expected);
    });
  }

  it('names the characters that force UCS-2, once each', () => {
    expect(nonGsmCharacters('hi 😀 and 😀 “x”')).toEqual(['😀', '“', '”']);
  });
});
