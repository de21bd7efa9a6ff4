// Property-based tests (fast-check) of the pure XMPP parts: random input never throws past the
// error choke point and never yields invalid XML (issue 9).
import fc from 'fast-check';
import { Element } from 'ltx';
import { describe, expect, it } from 'vitest';
import { isStanzaError } from '../../src/core/errors.js';
import type { Inbound } from '../../src/core/model.js';
import { escapeLocal, parseJid, unescapeLocal } from '../../src/xmpp/jid.js';
import { decodeMessage, decodeRoomPresence, encodeInbound } from '../../src/xmpp/stanza.js';
import { StreamParser } from '../../src/xmpp/stream-parser.js';
import { auditXml } from '../../src/xmpp/xml-audit.js';
import { toXmlSafe } from '../../src/xmpp/xml-safe.js';

/** Any UTF-16 code units: controls, lone surrogates, U+FFFE/U+FFFF as often as letters. */
const anyText = fc.oneof(
  fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 30 }).map((u) => String.fromCharCode(...u)),
  fc.string({ unit: 'binary' }),
  fc.array(fc.constantFrom('\x00', '\x07', '\x1b', '\ufffe', '\ud800', '\udc00', '<', '&', "'", '"', ']]>', '@', '/', '\\', ' ', 'a', '👋'), { maxLength: 20 }).map((a) => a.join('')),
);
const HEADER = `<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' id='x'>`;

describe('XMPP pure parts under random input', () => {
  it('encodeInbound with any text in every string field serialises to XML a strict parser accepts', () => {
    fc.assert(
      fc.property(anyText, anyText, anyText, anyText, anyText, (body, subject, thread, id, from) => {
        const event: Inbound = { kind: 'message', user: 'u@localhost', from, type: 'chat', body, subject, thread, id, originId: id, stanzaId: id, replaces: id, oob: [{ url: body, desc: subject }] } as Inbound;
        const xml = toXmlSafe(encodeInbound(event, 'irc.example').toString());
        expect(auditXml(xml)).toBeUndefined();
      }),
      { numRuns: 1000 },
    );
  });

  it('decodeMessage and decodeRoomPresence throw nothing but a StanzaError (the answer to the user) on random elements', () => {
    const child: fc.Arbitrary<Element> = fc
      .record({ name: fc.oneof(fc.constantFrom('body', 'subject', 'thread', 'x', 'replace', 'origin-id', 'fallback', 'reply', 'retract', 'request', 'status', 'show'), anyText), ns: fc.constantFrom(undefined, 'urn:xmpp:fallback:0', 'urn:xmpp:reply:0', 'http://jabber.org/protocol/muc', 'urn:xmpp:message-correct:0', 'jabber:x:oob'), text: anyText, start: anyText, end: anyText })
      .map(({ name, ns, text, start, end }) => new Element(name || 'x', { ...(ns ? { xmlns: ns } : {}), id: text, for: text, start, end }).t(text));
    fc.assert(
      fc.property(fc.constantFrom('chat', 'groupchat', 'normal', 'headline', 'error', undefined, 'unavailable'), anyText, fc.array(child, { maxLength: 6 }), (type, id, children) => {
        for (const name of ['message', 'presence']) {
          const el = new Element(name, { ...(type ? { type } : {}), id, from: 'u@localhost/r', to: `${id}@irc.example` });
          for (const c of children) el.cnode(c);
          const route = { user: 'u@localhost', to: id, resource: 'r' };
          // A retraction or a fallback-only body is refused with a StanzaError (src/xmpp/fallback.ts): that is an answer, not a crash.
          try {
            decodeMessage(el, route);
          } catch (err) {
            expect(isStanzaError(err), String(err)).toBe(true);
          }
          expect(() => decodeRoomPresence(el, route)).not.toThrow();
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('XEP-0106 escaping round-trips and never leaves a character a local part forbids', () => {
    fc.assert(
      fc.property(anyText, (raw) => {
        const escaped = escapeLocal(raw);
        expect(unescapeLocal(escaped)).toBe(raw);
        // RFC 7622 §3.3.1 (spaces inside; XEP-0106 §3.2 cannot escape leading/trailing ones either way).
        expect(escaped).not.toMatch(/["&'/:<>@ ]/);
        if (escaped && !/\s/.test(escaped)) expect(parseJid(`${escaped}@irc.example`)?.local).toBe(escaped);
      }),
      { numRuns: 2000 },
    );
  });

  it('StreamParser fed random bytes in random chunkings never throws; errors come only as events', () => {
    const piece = fc.oneof(
      fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b)),
      fc.constantFrom('<', '>', '/', '<message>', '</message>', "<iq id='1' type='get'/>", '<![CDATA[', ']]>', '<!--', '-->', '<?x?>', "'", '"', '&amp;', '&bogus;', '<a b=', 'x'.repeat(300)).map((s) => Buffer.from(s)),
    );
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.array(piece, { maxLength: 30 }),
        fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 10 }),
        (withHeader, pieces, cuts) => {
          const bytes = Buffer.concat([withHeader ? Buffer.from(HEADER) : Buffer.alloc(0), ...pieces]);
          const parser = new StreamParser(256);
          let errors = 0;
          parser.on('error', () => errors++);
          parser.on('stanza', () => undefined);
          parser.on('oversized', () => undefined);
          let at = 0;
          for (let k = 0; at < bytes.length; k++) {
            const n = cuts[k % cuts.length]!;
            expect(() => parser.write(bytes.subarray(at, at + n))).not.toThrow();
            at += n;
          }
          expect(errors).toBeLessThanOrEqual(1);
          expect(parser.retainedBytes).toBeLessThanOrEqual(256 + 5 * 3071 + 64);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
