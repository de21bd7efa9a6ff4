// XEP-0428 fallbacks in the stanza decoder: reply quotes removed, fallback-only messages refused,
// retractions and reactions read as their own events (their fallback bodies never read). The stanzas are shaped as the clients send them:
// - Conversations family (a Conversations fork's `entities/Message.java`, cheogram style; the
//   code search did not name the repository): `updateReplyTo` sends body "> quoted line\n" + text,
//   `<reply to='…' id='…'/>` and `<fallback for='urn:xmpp:reply:0'><body start='0' end='<code
//   points of the quote>'/></fallback>`; `updateReaction` adds `<fallback
//   for='urn:xmpp:reactions:0'><body/></fallback>` (no range: the whole body) and `<reactions/>`.
// - Gajim (python-nbxmpp `modules/retraction.py`, its test `test_parse_retract_direct_message`, and
//   XEP-0424 0.4 §3): `<retract xmlns='urn:xmpp:message-retract:1' id='…'/>`, `<fallback
//   xmlns='urn:xmpp:fallback:0' for='urn:xmpp:message-retract:1'/>`, body "This person attempted
//   to retract a previous message, but it's unsupported by your client.", `<store/>` hint.
// - XEP-0424 0.3 (still sent by older clients): `<apply-to xmlns='urn:xmpp:fasten:0'
//   id='…'><retract xmlns='urn:xmpp:message-retract:0'/></apply-to>` and a bare `<fallback/>`.
import fc from 'fast-check';
import { Element, parse } from 'ltx';
import { describe, expect, it } from 'vitest';
import { StanzaError } from '../../src/core/errors.js';
import { bodyWithoutFallbacks, readFallbacks, removeRanges } from '../../src/xmpp/fallback.js';
import { decodeMessage } from '../../src/xmpp/stanza.js';

const route = { user: 'alice@example.org', resource: 'phone', to: '#chan%net' };
const RETRACT_BODY = "This person attempted to retract a previous message, but it's unsupported by your client.";

const cp = (s: string) => Array.from(s).length;
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function reply(quote: string, text: string, type = 'groupchat', extra = ''): string {
  return (
    `<message type='${type}' id='r1'><body>${esc(quote + text)}</body>` +
    `<reply xmlns='urn:xmpp:reply:0' to='#chan%net@irc.example.org/bob' id='stanza-9'/>` +
    `<fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:reply:0'><body start='0' end='${cp(quote)}'/></fallback>${extra}</message>`
  );
}

function refusal(fn: () => unknown): StanzaError {
  try {
    fn();
  } catch (err) {
    if (err instanceof StanzaError) return err;
    throw err;
  }
  throw new Error('expected a StanzaError');
}

describe('XEP-0461 reply fallbacks', () => {
  it('removes the quoted line Conversations puts before the reply (range at the start)', () => {
    const event = decodeMessage(parse(reply('> bob: see you at 8\n', 'sounds good')), route);
    expect(event).toMatchObject({ kind: 'message', type: 'groupchat', body: 'sounds good', id: 'r1' });
    // The reply target is a reference beside the text, never part of it (issue 12).
    expect(event).toMatchObject({ replyTo: { id: 'stanza-9', to: '#chan%net@irc.example.org/bob' } });
  });

  it('counts code points, not UTF-16 units, when emoji come before the range end', () => {
    const quote = '> bob: 🎉🎉 party 👨‍👩‍👧\n';
    expect(quote.length).toBeGreaterThan(cp(quote));
    expect(decodeMessage(parse(reply(quote, 'yes 🎉')), route)).toMatchObject({ body: 'yes 🎉' });
  });

  it('removes a range in the middle or at the end of the body', () => {
    const mid = `<message type='chat'><body>before [q] after</body><fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:reply:0'><body start='7' end='11'/></fallback></message>`;
    expect(decodeMessage(parse(mid), route)).toMatchObject({ body: 'before after' });
    const end = `<message type='chat'><body>😀 text &gt; q</body><fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:reply:0'><body start='6' end='10'/></fallback></message>`;
    expect(decodeMessage(parse(end), route)).toMatchObject({ body: '😀 text' });
  });

  it('strips the quote from a XEP-0308 correction of a reply too', () => {
    const el = parse(reply('> bob: hi\n', 'fixed text', 'chat', `<replace xmlns='urn:xmpp:message-correct:0' id='m0'/>`));
    expect(decodeMessage(el, route)).toMatchObject({ kind: 'correction', replaces: 'm0', body: 'fixed text' });
  });

  it('accepts the marker namespace of the XEP-0461 0.2 example (urn:xmpp:feature-fallback:0)', () => {
    const el = parse(
      `<message type='chat'><body>&gt; Anna wrote:\n&gt; cake\nGreat idea!</body><fallback xmlns='urn:xmpp:feature-fallback:0' for='urn:xmpp:reply:0'><body start='0' end='21'/></fallback></message>`,
    );
    expect(decodeMessage(el, route)).toMatchObject({ body: 'Great idea!' });
  });

  it('refuses a reply that is all quote: nothing of its own is left to send', () => {
    const err = refusal(() => decodeMessage(parse(reply('> bob: hi\n', '')), route));
    expect(err).toMatchObject({ condition: 'feature-not-implemented', type: 'cancel' });
    expect(err.message).toContain('nothing was sent');
  });

  it('reads a Conversations reaction (reply quote + a whole-body reactions fallback) as a reaction, body unread', () => {
    const el = parse(
      reply('> bob: hi\n', '👍', 'chat', `<fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:reactions:0'><body/></fallback><reactions xmlns='urn:xmpp:reactions:0' id='z'><reaction>👍</reaction></reactions>`),
    );
    expect(decodeMessage(el, route)).toMatchObject({ kind: 'reaction', reactsTo: 'z', emojis: ['👍'] });
  });

  it('refuses a reaction whose fallback covers only the emoji, once the quote is gone too', () => {
    const quote = '> bob: hi\n';
    const el = parse(
      reply(quote, '👍', 'chat', `<fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:reactions:0'><body start='${cp(quote)}' end='${cp(quote) + 1}'/></fallback>`),
    );
    expect(refusal(() => decodeMessage(el, route)).message).toMatch(/reaction.*nothing was sent/i);
  });
});

describe('XEP-0424 retractions', () => {
  // A retraction is an event of its own since issue 12 (the bridge decides); its fallback body is never read.
  it('reads the retraction Gajim and XEP-0424 0.4 send (retract:1, whole-body fallback)', () => {
    const el = parse(
      `<message type='groupchat' id='retract-message-1'><retract id='origin-id-1' xmlns='urn:xmpp:message-retract:1'/><fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:message-retract:1'/><body>${esc(RETRACT_BODY)}</body><store xmlns='urn:xmpp:hints'/></message>`,
    );
    expect(decodeMessage(el, route)).toEqual({ ...route, kind: 'retraction', type: 'groupchat', id: 'retract-message-1', retracts: 'origin-id-1' });
  });

  it('reads the older fastened retraction (apply-to + retract:0, bare <fallback/>)', () => {
    const el = parse(
      `<message type='chat' id='retract-message-1'><apply-to id='origin-id-1' xmlns='urn:xmpp:fasten:0'><retract xmlns='urn:xmpp:message-retract:0'/></apply-to><fallback xmlns='urn:xmpp:fallback:0'/><body>${esc(RETRACT_BODY)}</body><store xmlns='urn:xmpp:hints'/></message>`,
    );
    expect(decodeMessage(el, route)).toMatchObject({ kind: 'retraction', type: 'chat', retracts: 'origin-id-1' });
  });

  it('reads a retraction without any body as well', () => {
    const el = parse(`<message type='chat'><retract id='x' xmlns='urn:xmpp:message-retract:1'/></message>`);
    expect(decodeMessage(el, route)).toMatchObject({ kind: 'retraction', retracts: 'x' });
  });

  it('refuses any message whose whole body is a fallback for something unknown', () => {
    const el = parse(`<message type='chat'><body>Your client cannot show polls.</body><fallback xmlns='urn:xmpp:fallback:0' for='urn:example:polls:0'><body/></fallback></message>`);
    expect(refusal(() => decodeMessage(el, route)).message).toContain('urn:example:polls:0');
  });

  it('keeps a whole-body fallback for a file link (the URL is what the network carries)', () => {
    const el = parse(`<message type='chat'><body>https://up.example/a.png</body><fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:sims:1'/></message>`);
    expect(decodeMessage(el, route)).toMatchObject({ body: 'https://up.example/a.png' });
  });
});

describe('odd markers never throw past the decoder', () => {
  const odd = [
    `<body start='x' end='3'/>`,
    `<body start='5'/>`,
    `<body start='9' end='2'/>`,
    `<body start='-1' end='4'/>`,
    `<body start='3' end='99999999999999'/>`,
    `<body start='0' end='3'/><body start='2' end='6'/>`,
    `<subject start='0' end='3'/>`,
  ];
  it.each(odd)('%s', (ranges) => {
    const el = parse(`<message type='chat'><body>hello world</body><fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:reply:0'>${ranges}</fallback></message>`);
    const event = decodeMessage(el, route);
    expect(event?.kind).toBe('message');
  });

  it('clamps an out-of-range end and merges overlapping ranges', () => {
    const el = parse(`<message><body>hello world</body><fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:reply:0'><body start='0' end='3'/><body start='2' end='6'/></fallback></message>`);
    expect(decodeMessage(el, route)).toMatchObject({ body: 'world' });
    expect(removeRanges('abc', [{ start: 1, end: 1000 }])).toBe('a');
  });

  it('reads a marker without children as covering the whole body (XEP-0428 §2.2)', () => {
    expect(readFallbacks(parse(`<message><fallback xmlns='urn:xmpp:fallback:0' for='a'/></message>`))).toEqual([{ for: 'a', body: ['all'] }]);
  });
});

describe('property: random bodies and ranges', () => {
  const range = fc.record({ start: fc.integer({ min: -3, max: 60 }), end: fc.integer({ min: -3, max: 60 }) });
  const message = (ranges: Array<{ start: number; end: number }>, forNs = 'urn:xmpp:reply:0') => {
    const el = new Element('message');
    const fb = el.c('fallback', { xmlns: 'urn:xmpp:fallback:0', for: forNs });
    for (const r of ranges) fb.c('body', { start: String(r.start), end: String(r.end) });
    return el;
  };

  it('never throws anything but a StanzaError, whatever the body and the markers', () => {
    const forNs = fc.constantFrom('urn:xmpp:reply:0', 'urn:xmpp:reactions:0', 'urn:example:x', 'urn:xmpp:sims:1');
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), fc.array(range, { maxLength: 4 }), forNs, (body, ranges, ns) => {
        try {
          bodyWithoutFallbacks(message(ranges, ns), body);
        } catch (err) {
          expect(err).toBeInstanceOf(StanzaError);
        }
      }),
    );
  });

  it('never returns a code point of a removed range, and keeps every other one in order', () => {
    // Each code point is distinct (and astral, so UTF-16 indexes would be wrong), so a
    // removed one cannot hide behind an equal character that was kept.
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.array(range, { maxLength: 4 }), (n, ranges) => {
        const points = Array.from({ length: n }, (_, i) => String.fromCodePoint(0x1f300 + i));
        const body = points.join('');
        const removed = new Set<number>();
        for (const r of ranges) if (r.start >= 0 && r.end > r.start) for (let i = r.start; i < Math.min(r.end, n); i++) removed.add(i);
        // A marker without children covers the whole body (XEP-0428 §2.2).
        if (ranges.length === 0) for (let i = 0; i < n; i++) removed.add(i);
        let out: string | null;
        try {
          out = bodyWithoutFallbacks(message(ranges), body);
        } catch (err) {
          // Only when nothing at all is left to send.
          expect(err).toBeInstanceOf(StanzaError);
          expect(removed.size).toBe(n);
          return;
        }
        for (const i of removed) expect(out).not.toContain(points[i]);
        expect(out).toBe(points.filter((_, i) => !removed.has(i)).join(''));
      }),
    );
  });
});

describe('bounded cost', () => {
  it('removes 20,000 overlapping ranges from a long body in one pass', () => {
    const body = '🎉'.repeat(200_000);
    const ranges = Array.from({ length: 20_000 }, (_, i) => ({ start: i, end: 200_000 - i }));
    const started = performance.now();
    expect(removeRanges(body, ranges)).toBe('');
    expect(removeRanges(body, [{ start: 1, end: 199_999 }])).toBe('🎉🎉');
    // A per-code-point marking of every range would take 20,000 × 200,000 steps (minutes).
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
