// The typed wait that replaced matching raw lines (client/event-waiters.ts, session awaitEvent):
// a match answers with a value or a refusal, or lets the event pass; a wait ends once.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { IrcEvent } from '../client/events.js';
import { EventWaiters } from '../client/event-waiters.js';

const listEnd: IrcEvent = { type: 'listEnd' };
const entry: IrcEvent = { type: 'listEntry', channel: '#c', users: 2, topic: '' };
const refused: IrcEvent = { type: 'refused', reason: 'not-operator', server: 'srv', args: ['#c', 'no'], target: '#c', text: 'no' };

describe('waiting for a typed IRC event', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('resolves with the value the match returned, and only the waits the event is about', async () => {
    const w = new EventWaiters();
    const count = w.wait((e) => (e.type === 'listEntry' ? e.users : undefined), 1000, () => new Error('timeout'));
    const end = w.wait((e) => (e.type === 'listEnd' ? true : undefined), 1000, () => new Error('timeout'));
    w.dispatch(entry);
    await expect(count).resolves.toBe(2);
    w.dispatch(entry); // the first wait is over: no second answer
    w.dispatch(listEnd);
    await expect(end).resolves.toBe(true);
  });

  it('rejects with the Error a match returns for a refusal', async () => {
    const w = new EventWaiters();
    const topic = w.wait((e) => (e.type === 'refused' && e.reason === 'not-operator' ? new Error(e.text) : undefined), 1000, () => new Error('timeout'));
    w.dispatch(listEnd);
    w.dispatch(refused);
    await expect(topic).rejects.toThrow('no');
  });

  it('times out with the caller’s error, and rejectAll ends the waits still open', async () => {
    vi.useFakeTimers();
    const w = new EventWaiters();
    const late = w.wait(() => undefined, 500, () => new Error('no answer'));
    const open = w.wait(() => undefined, 60_000, () => new Error('no answer'));
    const lateSettled = expect(late).rejects.toThrow('no answer');
    vi.advanceTimersByTime(501);
    await lateSettled;
    w.rejectAll(new Error('closed'));
    await expect(open).rejects.toThrow('closed');
  });
});
