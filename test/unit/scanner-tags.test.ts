import { describe, expect, it } from 'vitest';
import { Collector } from '../../src/xmpp/bounded-collector.js';
import { ScannerTags } from '../../src/xmpp/scanner-tags.js';

describe('stream scanner: names and attributes', () => {
  it('a piece read at once and the same piece split across reads decode alike, multi-byte characters and the cap too', () => {
    const bytes = Buffer.from(`x='naïve 👋'`, 'utf8');
    const [start, end] = [3, bytes.length - 1];
    const whole = new Collector();
    whole.begin(start);
    const once = whole.finish(bytes, end, 100);
    for (let cut = start; cut < end; cut++) {
      const split = new Collector();
      split.begin(start);
      split.take(bytes.subarray(0, cut), cut, 100);
      expect(split.finish(bytes.subarray(cut), end - cut, 100)).toBe(once);
    }
    expect(once).toBe('naïve 👋');
    const capped = new Collector();
    capped.begin(start);
    expect(capped.finish(bytes, end, end - start - 1)).toBeUndefined();
    expect(capped.active).toBe(false);
  });

  it('collects attributes of the header and of top-level elements only: one inside a stanza is skipped, not decoded', () => {
    const tags = new ScannerTags(4096);
    const chunk = Buffer.from(`from='a@b' id='x'`);
    const attr = (nameAt: number, nameEnd: number, valueAt: number, valueEnd: number) => {
      tags.beginAttrName(nameAt);
      tags.finishAttrName(chunk, nameEnd);
      tags.beginValue(valueAt);
      tags.finishValue(chunk, valueEnd);
    };
    tags.depth = 1;
    attr(0, 4, 6, 9);
    expect(tags.attrs).toEqual({ from: 'a@b' });
    tags.attrs = {};
    tags.depth = 2;
    // Split across reads inside a stanza: nothing is held either.
    tags.beginAttrName(11);
    tags.carryName(chunk, 12, true);
    expect(tags.held).toBe(0);
    tags.finishAttrName(chunk, 13);
    tags.beginValue(15);
    tags.carryValue(chunk, 16);
    expect(tags.held).toBe(0);
    tags.finishValue(chunk, 16);
    expect(tags.attrs).toEqual({});
  });
});
