/**
 * The pure parts of issue 12 on IRC: the bounded XMPP id ⇄ msgid map with its reaction sets
 * (message-refs.ts), the `+typing` pace of the IRCv3 typing spec (typing.ts), the fallback quote,
 * and the disco features per server offer.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { clientTagFeatures, quoteStart } from '../client-tag-actions.js';
import { Isupport } from '../client/isupport.js';
import { MAX_REACTORS, MessageRefs, reactionDiff } from '../message-refs.js';
import { ACTIVE_INTERVAL_MS, TYPING_EXPIRY_MS, TypingIn, TypingOut, typingToChatState } from '../typing.js';

describe('MessageRefs', () => {
  it('maps a msgid to the XMPP id it was remembered under, and any other msgid to itself', () => {
    const refs = new MessageRefs(10);
    const ref = refs.add('net\n@bob', ['client-id', 'origin-id'], { nick: 'me', text: 'hello' });
    refs.addMsgid('net\n@bob', ref, 'client-id', 'm1');
    refs.addMsgid('net\n@bob', ref, 'client-id', 'm2');
    expect(refs.xmppId('net\n@bob', 'm2')).toBe('client-id');
    expect(refs.get('net\n@bob', 'origin-id')?.msgids).toEqual(['m1', 'm2']);
    expect(refs.xmppId('net\n@bob', 'other')).toBe('other');
    expect(refs.xmppId('net\n#c', 'm1')).toBe('m1');
  });

  it('keeps at most `max` ids, dropping the oldest with its msgids', () => {
    const refs = new MessageRefs(3);
    for (let i = 0; i < 5; i++) {
      const r = refs.add('c', [`x${i}`], { nick: 'n', text: `t${i}` });
      refs.addMsgid('c', r, `x${i}`, `m${i}`);
    }
    expect(refs.size).toBe(3);
    expect(refs.get('c', 'x0')).toBeUndefined();
    expect(refs.xmppId('c', 'm0')).toBe('m0');
    expect(refs.xmppId('c', 'm4')).toBe('x4');
  });

  it('adds up one reaction change at a time into each sender\'s whole set (XEP-0444)', () => {
    const refs = new MessageRefs(10);
    expect(refs.react('c', 'p', 'bob', { add: '👍' })).toEqual(['👍']);
    expect(refs.react('c', 'p', 'bob', { add: '🎉' })).toEqual(['👍', '🎉']);
    expect(refs.react('c', 'p', 'bob', { add: '👍' })).toEqual(['👍', '🎉']);
    expect(refs.react('c', 'p', 'ann', { add: '👀' })).toEqual(['👀']);
    expect(refs.react('c', 'p', 'bob', { remove: '👍' })).toEqual(['🎉']);
    expect(refs.react('c', 'p', 'bob', { remove: '🎉' })).toEqual([]);
    expect(refs.get('c', 'p')?.reactions?.has('bob')).toBe(false);
  });

  it('bounds the senders kept per message', () => {
    const refs = new MessageRefs(10);
    for (let i = 0; i < MAX_REACTORS + 10; i++) refs.react('c', 'p', `n${i}`, { add: '👍' });
    expect(refs.get('c', 'p')?.reactions?.size).toBe(MAX_REACTORS);
  });

  it('keeps one entry for a channel line every user\'s connection reports, and each user\'s own reactions apart', () => {
    const refs = new MessageRefs(10);
    const first = refs.add('net\n#c', ['m1'], { msgid: 'm1', nick: 'bob', text: 'hello' });
    refs.react('net\n#c', 'm1', 'ann', { add: '👍' });
    const again = refs.add('net\n#c', ['m1'], { msgid: 'm1', nick: 'bob', text: 'hello' });
    expect(again).toBe(first);
    expect(refs.react('net\n#c', 'm1', 'ann', { add: '👍' })).toEqual(['👍']); // the same change from another connection
    expect(refs.size).toBe(1);
    refs.setMine('net\n#c', 'm1', 'alice@example.org', ['🎉']);
    refs.setMine('net\n#c', 'm1', 'carol@example.org', ['👀']);
    expect(refs.mine(refs.get('net\n#c', 'm1'), 'alice@example.org')).toEqual(['🎉']);
    expect(refs.mine(refs.get('net\n#c', 'm1'), 'dave@example.org')).toEqual([]);
  });

  it('diffs two reaction sets', () => {
    expect(reactionDiff(['👍', '🎉'], ['🎉', '👀'])).toEqual({ added: ['👀'], removed: ['👍'] });
    expect(reactionDiff([], [])).toEqual({ added: [], removed: [] });
  });
});

describe('+typing pace (https://ircv3.net/specs/client-tags/typing)', () => {
  it('sends active at most once every 3 seconds, paused and done only as changes', () => {
    let now = 1000;
    const t = new TypingOut(() => now);
    expect(t.next('#c', 'paused')).toBeUndefined(); // nothing to pause
    expect(t.next('#c', 'active')).toBeUndefined(); // nothing to end
    expect(t.next('#c', 'composing')).toBe('active');
    now += 1000;
    expect(t.next('#c', 'composing')).toBeUndefined();
    now += ACTIVE_INTERVAL_MS;
    expect(t.next('#c', 'composing')).toBe('active');
    expect(t.next('#c', 'paused')).toBe('paused');
    expect(t.next('#c', 'paused')).toBeUndefined();
    expect(t.next('#c', 'composing')).toBe('active'); // a change from paused is sent at once
    expect(t.next('#c', 'gone')).toBe('done');
    expect(t.next('#c', 'inactive')).toBeUndefined();
    expect(t.next('bob', 'composing')).toBe('active'); // per target
  });

  it('a message sent ends the typing: the next composing is sent at once', () => {
    const t = new TypingOut(() => 0);
    expect(t.next('#c', 'composing')).toBe('active');
    t.sentMessage('#c');
    expect(t.next('#c', 'composing')).toBe('active');
    expect(t.next('#c', 'active')).toBe('done');
  });

  it('maps IRC typing to XEP-0085 states', () => {
    expect(['active', 'paused', 'done'].map((x) => typingToChatState(x as 'active'))).toEqual(['composing', 'paused', 'active']);
  });
});

describe('inbound +typing expiry (a sender who goes quiet stops typing)', () => {
  afterEach(() => vi.useRealTimers());

  it('ends active after 6 s and paused after 30 s of silence; news restarts the clock; done and a message end nothing later', () => {
    vi.useFakeTimers();
    const ended: string[] = [];
    const t = new TypingIn();
    t.saw('a', 'active', () => ended.push('a'));
    vi.advanceTimersByTime(TYPING_EXPIRY_MS.active - 1);
    t.saw('a', 'active', () => ended.push('a')); // still typing: the clock starts again
    vi.advanceTimersByTime(TYPING_EXPIRY_MS.active - 1);
    expect(ended).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(ended).toEqual(['a']);
    t.saw('b', 'paused', () => ended.push('b'));
    vi.advanceTimersByTime(TYPING_EXPIRY_MS.active);
    expect(ended).toEqual(['a']);
    vi.advanceTimersByTime(TYPING_EXPIRY_MS.paused);
    expect(ended).toEqual(['a', 'b']);
    t.saw('c', 'active', () => ended.push('c'));
    t.saw('c', 'done', () => ended.push('c'));
    t.saw('d', 'active', () => ended.push('d'));
    t.clear('d');
    vi.advanceTimersByTime(TYPING_EXPIRY_MS.paused);
    expect(ended).toEqual(['a', 'b']);
    expect(t.size).toBe(0);
  });

  it('times at most max senders: the oldest is ended at once; clearAll ends nothing', () => {
    vi.useFakeTimers();
    const ended: string[] = [];
    const t = new TypingIn(2);
    for (const k of ['x', 'y', 'z']) t.saw(k, 'active', () => ended.push(k));
    expect(ended).toEqual(['x']);
    expect(t.size).toBe(2);
    t.clearAll();
    vi.advanceTimersByTime(TYPING_EXPIRY_MS.paused);
    expect(ended).toEqual(['x']);
  });
});

describe('fallback quote and disco features', () => {
  it('quotes the first words of a message', () => {
    expect(quoteStart('hello world')).toBe('"hello world"');
    expect(quoteStart('one two three four five six seven')).toBe('"one two three four five…"');
    expect(quoteStart('/me waves')).toBe('"waves"');
  });

  it('advertises exactly what the server offers', () => {
    const isupport = new Isupport();
    const none = { caps: new Set<string>(), isupport };
    expect(clientTagFeatures(none, { reaction_fallback: 'error' }).sort()).toEqual(['urn:xmpp:reply:0', 'urn:xmpp:styling:0']);
    expect(clientTagFeatures(undefined, { reaction_fallback: 'text' })).toContain('urn:xmpp:reactions:0');
    const tags = { caps: new Set(['message-tags']), isupport };
    expect(clientTagFeatures(tags, { reaction_fallback: 'error' })).toEqual(expect.arrayContaining(['urn:xmpp:reactions:0', 'http://jabber.org/protocol/chatstates']));
    expect(clientTagFeatures(tags, { reaction_fallback: 'error' })).not.toContain('urn:xmpp:message-retract:1');
    const redaction = { caps: new Set(['message-tags', 'draft/message-redaction']), isupport };
    expect(clientTagFeatures(redaction, { reaction_fallback: 'error' })).toContain('urn:xmpp:message-retract:1');
  });
});
