import { describe, expect, it } from 'vitest';
import type { KeyValueStore } from '../../../src/core/bridge.js';
import { baseSubject, capRefs, Threads } from '../threads.js';

function memoryKv(): KeyValueStore & { writes: number; reads: number } {
  const map = new Map<string, unknown>();
  const kv = {
    writes: 0,
    reads: 0,
    get: <T>(key: string) => {
      kv.reads++;
      return structuredClone(map.get(key)) as T | undefined;
    },
    set: (key: string, value: unknown) => {
      kv.writes++;
      map.set(key, structuredClone(value));
    },
    delete: (key: string) => void map.delete(key),
    list: <T>(prefix: string) => [...map].filter(([k]) => k.startsWith(prefix)).map(([key, value]) => ({ key, value: value as T })),
  };
  return kv;
}

describe('threads', () => {
  it('strips reply and forward prefixes in several languages from subjects', () => {
    expect(baseSubject('Re: RE: Fwd: AW: WG: SV: Lunch')).toBe('Lunch');
    expect(baseSubject('Re[2]: Lunch')).toBe('Lunch');
    expect(baseSubject('Lunch: the sequel')).toBe('Lunch: the sequel');
  });

  it('caps References to the root and the latest ids', () => {
    const refs = Array.from({ length: 30 }, (_v, i) => `<${i}@x>`);
    const capped = capRefs(refs);
    expect(capped).toHaveLength(20);
    expect(capped[0]).toBe('<0@x>');
    expect(capped.at(-1)).toBe('<29@x>');
  });

  it('finds the thread of a reply by In-Reply-To, by References, and by the root of an unknown chain', () => {
    const t = new Threads(memoryKv());
    t.record('u@x', 'c', 'T1', '<a@x>', []);
    expect(t.resolveInbound('u@x', '<b@x>', ['<a@x>'], [])).toBe('T1');
    expect(t.resolveInbound('u@x', '<c@x>', [], ['<a@x>', '<zz@x>'])).toBe('T1');
    const fresh = t.resolveInbound('u@x', '<root@x>', [], []);
    expect(t.resolveInbound('u@x', '<reply@x>', ['<root@x>'], [])).toBe(fresh);
    expect(t.resolveInbound('other@x', '<reply@x>', ['<root@x>'], [])).not.toBe(fresh);
  });

  it('keeps the latest thread per contact and writes once for the root of a received chain', () => {
    const kv = memoryKv();
    const t = new Threads(kv);
    const thread = t.resolveInbound('u@x', '<r@x>', [], []);
    t.record('u@x', 'c', thread, '<r@x>', [], 'Hi', true);
    expect(kv.writes).toBe(1);
    expect(t.current('u@x', 'c')).toBe(thread);
    t.record('u@x', 'c', thread, '<s@x>', ['<r@x>']);
    expect(t.get('u@x', 'c', thread)).toEqual({ subject: 'Hi', last: '<s@x>', refs: ['<r@x>', '<s@x>'] });
  });

  it('reads a conversation once for a lookup and a record on it, and sees its own record', () => {
    const kv = memoryKv();
    const t = new Threads(kv);
    t.record('u@x', 'c', 'T1', '<a@x>', [], 'Hi');
    kv.reads = 0;
    const conversation = t.with('u@x', 'c');
    expect(conversation.get('T1')).toEqual({ subject: 'Hi', last: '<a@x>', refs: ['<a@x>'] });
    conversation.record('T1', '<b@x>', ['<a@x>']);
    expect(conversation.get('T1')).toEqual({ subject: 'Hi', last: '<b@x>', refs: ['<a@x>', '<b@x>'] });
    expect(conversation.current).toBe('T1');
    expect(kv.reads).toBe(1);
    // What was written is what a fresh read finds.
    expect(t.get('u@x', 'c', 'T1')).toEqual({ subject: 'Hi', last: '<b@x>', refs: ['<a@x>', '<b@x>'] });
  });
});
