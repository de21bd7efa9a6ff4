import type { Element } from 'ltx';
import { describe, expect, it } from 'vitest';
import { StreamParser, type OversizedStanza, type StreamParseError } from '../../src/xmpp/stream-parser.js';

const HEADER = `<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' from='c.example' id='abc'>`;

function collect(max = 4096) {
  const parser = new StreamParser(max);
  const out = {
    start: [] as Array<Record<string, string>>,
    stanzas: [] as Element[],
    oversized: [] as OversizedStanza[],
    errors: [] as StreamParseError[],
    ended: false,
  };
  parser.on('start', (a) => out.start.push(a));
  parser.on('stanza', (s) => out.stanzas.push(s));
  parser.on('error', (e) => out.errors.push(e));
  parser.on('oversized', (o) => out.oversized.push(o));
  parser.on('end', () => (out.ended = true));
  return { parser, out };
}

describe('XMPP stream parser', () => {
  it('emits the header, each top-level stanza with its children, and the end', () => {
    const { parser, out } = collect();
    parser.write(HEADER + `<message to='a@b' from='c.example'><body>hi &amp; bye</body></message><handshake/>`);
    parser.write('</stream:stream>');
    expect(out.start[0]).toMatchObject({ id: 'abc', from: 'c.example' });
    expect(out.stanzas.map((s) => s.name)).toEqual(['message', 'handshake']);
    expect(out.stanzas[0]!.getChildText('body')).toBe('hi & bye');
    expect(out.stanzas[0]!.parent).toBeNull();
    expect(out.ended).toBe(true);
  });

  it('reassembles stanzas and multi-byte characters split across chunks', () => {
    const { parser, out } = collect();
    const text = Buffer.from(HEADER + `<message><body>naïve 👋</body></message>`, 'utf8');
    for (let i = 0; i < text.length; i += 3) parser.write(text.subarray(i, i + 3));
    expect(out.stanzas[0]!.getChildText('body')).toBe('naïve 👋');
  });

  it('skips a stanza over the limit read at once, reports its name, addressing and size, and parses the next one', () => {
    const { parser, out } = collect(1024);
    const big = `<message from='a@b/r' to='x&apos;y@c.example' id='big-1' type='chat'><body>${'x'.repeat(2000)}</body></message>`;
    parser.write(HEADER + big + `<message id='next'><body>after</body></message>`);
    expect(out.errors).toEqual([]);
    expect(out.oversized).toEqual([{ name: 'message', attrs: { from: 'a@b/r', to: "x'y@c.example", id: 'big-1', type: 'chat' }, size: Buffer.byteLength(big) }]);
    expect(out.stanzas.map((s) => s.attrs.id)).toEqual(['next']);
    expect(out.stanzas[0]!.getChildText('body')).toBe('after');
  });

  it('skips an oversized stanza dripped byte by byte, multi-byte characters and all, and parses the next one', () => {
    const { parser, out } = collect(1024);
    const big = `<iq from='a@b/r' to='c.example' id='drip' type='set'><q xmlns='urn:x' a="it's &quot;q&quot;">${'naïve 👋 '.repeat(200)}</q></iq>`;
    const bytes = Buffer.from(HEADER + big + `<presence id='next'/>`, 'utf8');
    for (let i = 0; i < bytes.length; i++) parser.write(bytes.subarray(i, i + 1));
    expect(out.errors).toEqual([]);
    expect(out.oversized).toEqual([{ name: 'iq', attrs: { from: 'a@b/r', to: 'c.example', id: 'drip', type: 'set' }, size: Buffer.byteLength(big) }]);
    expect(out.stanzas.map((s) => s.attrs.id)).toEqual(['next']);
  });

  it('keeps a stanza exactly at the limit and skips one byte more', () => {
    const { parser, out } = collect(1024);
    const stanza = (id: string, n: number) => `<message id='${id}'><body>${'y'.repeat(n)}</body></message>`;
    const fits = 1024 - Buffer.byteLength(stanza('fit', 0));
    parser.write(HEADER + stanza('fit', fits) + stanza('big', fits + 1));
    expect(out.stanzas.map((s) => s.attrs.id)).toEqual(['fit']);
    expect(out.oversized.map((o) => [o.attrs.id, o.size])).toEqual([['big', 1025]]);
  });

  describe('a 10 MB stanza dripped in 64 KiB reads is skipped in bounded memory', () => {
    const LIMIT = 262_144;
    const TEN_MB = 10 * 1024 * 1024;
    const shapes: Array<[string, (filler: string) => string]> = [
      ['a text node', (f) => `<message from='u@h/r' to='c.example' id='huge' type='chat'><body>${f}</body></message>`],
      ['an attribute value of the top-level element', (f) => `<message from='u@h/r' to='c.example' id='huge' type='chat' x-huge='${f}'><body>hi</body></message>`],
      ['an attribute value deep inside', (f) => `<message from='u@h/r' to='c.example' id='huge' type='chat'><a><b c="${f}"/></a></message>`],
      ['a CDATA section and a comment holding markup', (f) => `<message from='u@h/r' to='c.example' id='huge' type='chat'><body><![CDATA[</message>'"${f}]]><!-- </message> ' --></body></message>`],
    ];
    it.each(shapes)('in %s', (_what, shape) => {
      const { parser, out } = collect(LIMIT);
      const big = shape('z'.repeat(TEN_MB));
      parser.write(HEADER);
      let maxRetained = 0;
      const bytes = Buffer.from(big, 'utf8');
      for (let i = 0; i < bytes.length; i += 65_536) {
        parser.write(bytes.subarray(i, i + 65_536));
        maxRetained = Math.max(maxRetained, parser.retainedBytes);
      }
      parser.write(`<message id='next'><body>still here</body></message>`);
      expect(out.errors).toEqual([]);
      expect(out.oversized).toEqual([{ name: 'message', attrs: { from: 'u@h/r', to: 'c.example', id: 'huge', type: 'chat' }, size: bytes.length }]);
      // Never more than the limit (what a stanza within it needs) plus the capped attributes.
      expect(maxRetained).toBeLessThanOrEqual(LIMIT + 4 * 3071);
      expect(parser.retainedBytes).toBe(0);
      expect(out.stanzas.map((s) => s.getChildText('body'))).toEqual(['still here']);
    });
  });

  it('does not answer for what it cannot read: a top-level name over 64 bytes, an address over 3071 bytes', () => {
    const { parser, out } = collect(1024);
    parser.write(HEADER + `<${'m'.repeat(100)} id='a'>${'x'.repeat(2000)}</${'m'.repeat(100)}>`);
    parser.write(`<message from='${'f'.repeat(4000)}' to='c.example' id='b'><body>${'x'.repeat(2000)}</body></message>`);
    expect(out.errors).toEqual([]);
    expect(out.oversized.map((o) => [o.name, o.attrs])).toEqual([
      ['', { id: 'a' }],
      ['message', { to: 'c.example', id: 'b' }],
    ]);
  });

  it('reports an invalid entity or character reference as not-well-formed instead of throwing', () => {
    for (const bad of ['<message><body>&bogus;</body></message>', '<message><body>&#x7;</body></message>', `<message id='&bogus;'/>`]) {
      const { parser, out } = collect();
      expect(() => parser.write(HEADER + bad)).not.toThrow();
      expect(out.errors[0]?.condition).toBe('not-well-formed');
    }
  });

  it('reports broken markup as not-well-formed, also inside a stanza being skipped', () => {
    for (const bad of [`<message a=b/>`, `<message a='x<y'/>`, `<message / >`, `<!DOCTYPE x>`, `<message>< body/></message>`, `</message>`, `<message><body>${'x'.repeat(2000)}<a b></message>`]) {
      const { parser, out } = collect(1024);
      parser.write(HEADER + bad);
      expect(out.errors.map((e) => e.condition), bad).toEqual(['not-well-formed']);
    }
  });

  it('accepts many small stanzas whose sum exceeds the limit', () => {
    const { parser, out } = collect(1024);
    parser.write(HEADER + '<presence/>'.repeat(500));
    expect(out.errors).toHaveLength(0);
    expect(out.stanzas).toHaveLength(500);
  });

  it('reports mismatched tags as not-well-formed', () => {
    const { parser, out } = collect();
    parser.write(HEADER + '<message><body></message>');
    expect(out.errors[0]?.condition).toBe('not-well-formed');
  });

  it('refuses a stream that is not an XMPP stream', () => {
    const { parser, out } = collect();
    parser.write('<html><body/></html>');
    expect(out.errors[0]?.condition).toBe('not-well-formed');
    const wrongNs = collect();
    wrongNs.parser.write(`<stream:stream xmlns:stream='urn:wrong'>`);
    expect(wrongNs.out.errors[0]?.condition).toBe('invalid-namespace');
  });
});
