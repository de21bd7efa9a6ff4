import type { Element } from 'ltx';
import { describe, expect, it } from 'vitest';
import { StreamParser, type StreamParseError } from '../../src/xmpp/stream-parser.js';

const HEADER = `<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' from='c.example' id='abc'>`;

function collect(max = 4096) {
  const parser = new StreamParser(max);
  const out = { start: [] as Array<Record<string, string>>, stanzas: [] as Element[], errors: [] as StreamParseError[], ended: false };
  parser.on('start', (a) => out.start.push(a));
  parser.on('stanza', (s) => out.stanzas.push(s));
  parser.on('error', (e) => out.errors.push(e));
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

  it('closes with policy-violation when a stanza exceeds the limit', () => {
    const { parser, out } = collect(1024);
    parser.write(HEADER + `<message><body>${'x'.repeat(2000)}`);
    expect(out.errors[0]?.condition).toBe('policy-violation');
    parser.write('</body></message>');
    expect(out.stanzas).toHaveLength(0);
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
