/**
 * Email reply chains ⇄ XMPP threads (RFC 5322 §3.6.4, XEP-0201), per user, kept in the bridge's
 * key/value store so that a chain stays one thread both ways across restarts.
 *
 *  - `mid:<user>|<message-id>` → thread id of messages seen or sent (chain roots received need none);
 *  - `conv:<user>|<contact>`   → the latest thread with a contact (for XMPP messages without one)
 *    and each recent thread's subject, last Message-ID and References chain.
 * One conversation record keeps the writes per message low: each is a commit of its own.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { KeyValueStore } from '../../src/core/bridge.js';

export interface ThreadRecord {
  subject?: string;
  /** Message-ID of the latest message of the thread, with angle brackets. */
  last?: string;
  /** The References chain up to and including `last` (root first), capped. */
  refs: string[];
}

// RFC 5322 does not cap References; long chains are trimmed to the root and the latest ids.
const MAX_REFS = 20;

/** Subject without the reply/forward prefixes clients add, for comparing subjects. */
export function baseSubject(subject: string): string {
  let s = subject.trim();
  for (;;) {
    const next = s.replace(/^(re|fwd?|aw|wg|sv|vs|antw|tr)\s*(\[\d+\])?\s*:\s*/i, '').trim();
    if (next === s) return s;
    s = next;
  }
}

export function capRefs(refs: string[]): string[] {
  const unique = [...new Set(refs)];
  return unique.length <= MAX_REFS ? unique : [unique[0]!, ...unique.slice(unique.length - MAX_REFS + 1)];
}

/** The thread id of a chain nobody mapped yet: a hash of the user and the chain's root Message-ID. */
export function derivedThread(user: string, messageId: string | undefined, inReplyTo: string[], references: string[]): string {
  const root = references[0] ?? inReplyTo[0] ?? messageId ?? randomBytes(16).toString('hex');
  return createHash('sha256').update(`${user}|${root}`).digest('hex').slice(0, 32);
}

/** What is kept per user and contact: the latest thread and the recent threads' records. */
interface Conversation {
  current: string;
  /** Most recently used last; capped at MAX_THREADS. */
  threads: Array<[string, ThreadRecord]>;
}

const MAX_THREADS = 20;

/**
 * A user's conversation with one contact, read (and its JSON parsed) once for what is done with
 * it at once: its current thread, a thread's record, recording a message. Not to be kept across
 * an await: it does not see what is written meanwhile.
 */
export interface ConversationView {
  readonly current: string | undefined;
  get(thread: string): ThreadRecord | undefined;
  /**
   * Record a message (either direction) as the latest of its thread: one write (plus a `mid:`
   * entry unless `derived`: the message is the root of its chain and the thread id the one
   * `resolveInbound` derives from it, so replies find it without one).
   */
  record(thread: string, messageId: string, parentRefs: string[], subject?: string, derived?: boolean): ThreadRecord;
}

export class Threads {
  constructor(private readonly kv: KeyValueStore) {}

  threadOf(user: string, messageId: string): string | undefined {
    return this.kv.get<string>(`mid:${user}|${messageId}`);
  }

  /** The conversation of `user` with `contact`, read once (see ConversationView). */
  with(user: string, contact: string): ConversationView {
    const kv = this.kv;
    const key = `conv:${user}|${contact}`;
    let conv = kv.get<Conversation>(key);
    return {
      get current() {
        return conv?.current;
      },
      get: (thread) => conv?.threads.find(([id]) => id === thread)?.[1],
      record(thread, messageId, parentRefs, subject, derived = false) {
        const prev = conv?.threads.find(([id]) => id === thread)?.[1];
        const record: ThreadRecord = {
          refs: capRefs([...(prev?.refs ?? []), ...parentRefs, messageId]),
          last: messageId,
          ...(subject !== undefined ? { subject } : prev?.subject !== undefined ? { subject: prev.subject } : {}),
        };
        const threads = (conv?.threads ?? []).filter(([id]) => id !== thread);
        threads.push([thread, record]);
        if (!derived) kv.set(`mid:${user}|${messageId}`, thread);
        conv = { current: thread, threads: threads.slice(-MAX_THREADS) } satisfies Conversation;
        kv.set(key, conv);
        return record;
      },
    };
  }

  get(user: string, contact: string, thread: string): ThreadRecord | undefined {
    return this.with(user, contact).get(thread);
  }

  current(user: string, contact: string): string | undefined {
    return this.with(user, contact).current;
  }

  /**
   * The thread of an inbound mail: the stored thread of any Message-ID it refers to (nearest
   * first), else one derived from the chain's root Message-ID, so two mails of one chain that
   * arrive out of order still meet.
   */
  resolveInbound(user: string, messageId: string | undefined, inReplyTo: string[], references: string[]): string {
    const candidates = [messageId, ...inReplyTo, ...[...references].reverse()].filter((x): x is string => !!x);
    for (const id of candidates) {
      const thread = this.threadOf(user, id);
      if (thread) return thread;
    }
    return derivedThread(user, messageId, inReplyTo, references);
  }

  /** Record a message as the latest of its thread with `contact` (ConversationView.record). */
  record(user: string, contact: string, thread: string, messageId: string, parentRefs: string[], subject?: string, derived = false): ThreadRecord {
    return this.with(user, contact).record(thread, messageId, parentRefs, subject, derived);
  }
}
