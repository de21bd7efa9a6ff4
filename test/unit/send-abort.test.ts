// Bridge.send's abort signal (issue 10, "no item can be stranded"): the pure parts — the IRC
// flood-control queue drops a waiting line of an aborted attempt, and the echo bridge echoes
// nothing for one.
import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { EchoBridge } from '../../bridges/echo/index.js';
import { ThrottledQueue } from '../../bridges/irc/client/throttle.js';
import { RetryableError } from '../../src/core/errors.js';
import { createTestContext, type TestBridgeContext } from '../helpers/bridge-context.js';
import { waitFor } from '../helpers/wait.js';

/** An attempt as the core hands it over (delivery.ts): `signal` counted on each read. */
function attemptOf(abort: AbortController): { readonly signal: AbortSignal; readonly expired: boolean; reads: number } {
  return {
    reads: 0,
    get signal() {
      this.reads += 1;
      return abort.signal;
    },
    get expired() {
      return abort.signal.aborted;
    },
  };
}

describe('the IRC flood-control queue and an aborted attempt', () => {
  it('a waiting line of an aborted attempt is taken out and never written; the lines around it are', async () => {
    const q = new ThrottledQueue(1, 50, 100);
    const out: string[] = [];
    q.attach((l) => out.push(l));
    const abort = new AbortController();
    const a = q.push('a');
    const b = q.push('b', attemptOf(abort));
    const c = q.push('c');
    expect(out).toEqual(['a']);
    abort.abort(new Error('deadline'));
    await expect(b).rejects.toBeInstanceOf(RetryableError);
    await Promise.all([a, c]);
    expect(out).toEqual(['a', 'c']);
  });

  it('a line already written stays written; an abort afterwards changes nothing', async () => {
    const q = new ThrottledQueue(5, 0, 100);
    const out: string[] = [];
    q.attach((l) => out.push(l));
    const abort = new AbortController();
    await q.push('sent', attemptOf(abort));
    abort.abort(new Error('late'));
    await q.push('next');
    expect(out).toEqual(['sent', 'next']);
  });

  it('only a line left waiting reads the signal and listens to it: one written at once does neither', async () => {
    const q = new ThrottledQueue(1, 50, 100);
    const out: string[] = [];
    q.attach((l) => out.push(l));
    const abort = new AbortController();
    let listeners = 0;
    const add = abort.signal.addEventListener.bind(abort.signal);
    abort.signal.addEventListener = (...args: Parameters<AbortSignal['addEventListener']>) => {
      listeners += 1;
      add(...args);
    };
    const attempt = attemptOf(abort);
    const first = q.push('now', attempt);
    expect(out).toEqual(['now']);
    expect(listeners).toBe(0);
    expect(attempt.reads).toBe(0);
    const second = q.push('later', attempt);
    expect(listeners).toBe(1);
    expect(attempt.reads).toBe(1);
    await Promise.all([first, second]);
    expect(out).toEqual(['now', 'later']);
    expect(getEventListeners(abort.signal, 'abort')).toHaveLength(0);
  });

  it('an attempt aborted before it queues writes nothing', async () => {
    const q = new ThrottledQueue(5, 0, 100);
    const out: string[] = [];
    q.attach((l) => out.push(l));
    const abort = new AbortController();
    abort.abort(new Error('deadline'));
    await expect(q.push('x', attemptOf(abort))).rejects.toBeInstanceOf(RetryableError);
    expect(out).toEqual([]);
    expect(q.length).toBe(0);
  });
});

describe('the echo bridge and an aborted attempt', () => {
  let t: TestBridgeContext | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('an attempt aborted during the delay echoes nothing; the retry echoes once', async () => {
    t = await createTestContext({ id: 'echo', domain: 'echo.example.org' });
    const bridge = new EchoBridge(t.ctx, { prefix: '', delay_ms: 60_000 });
    const event = { kind: 'message' as const, type: 'chat' as const, user: 'u@example.org', to: 'x', body: 'hi', receiptRequested: false, id: 'e1' };
    const abort = new AbortController();
    const sending = bridge.send(event, { signal: abort.signal });
    abort.abort(new Error('deadline'));
    await expect(sending).rejects.toBeInstanceOf(RetryableError);
    expect(t.inbound()).toHaveLength(0);
    const fast = new EchoBridge(t.ctx, { prefix: '', delay_ms: 0 });
    await fast.send(event);
    await waitFor(() => t!.inbound().length === 1 || undefined, 'the echo');
    expect(t.inbound().map((e) => (e.kind === 'message' ? e.body : e.kind))).toEqual(['hi']);
  });
});
