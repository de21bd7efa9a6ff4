import { describe, expect, it } from 'vitest';
import { ConnectLimiter } from '../connect-limiter.js';
import { ThrottledQueue } from '../client/throttle.js';

describe('token bucket queue', () => {
  it('writes a burst at once, then one line per interval, in order, dropping nothing', async () => {
    const q = new ThrottledQueue(3, 100, 100);
    const out: string[] = [];
    const started = Date.now();
    q.attach((l) => out.push(l));
    const done = Array.from({ length: 6 }, (_, i) => q.push(`L${i}`));
    expect(out).toEqual(['L0', 'L1', 'L2']);
    await Promise.all(done);
    // three more lines at 100 lines/s take at least ~30 ms
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(out).toEqual(['L0', 'L1', 'L2', 'L3', 'L4', 'L5']);
  });

  it('keeps lines while detached and sends them after attach', async () => {
    const q = new ThrottledQueue(10, 0, 100);
    const p = q.push('kept');
    const out: string[] = [];
    q.attach((l) => out.push(l));
    await p;
    expect(out).toEqual(['kept']);
  });

  it('reports when the queue is full instead of dropping', () => {
    const q = new ThrottledQueue(1, 1, 2);
    void q.push('a');
    void q.push('b');
    expect(q.hasRoom(1)).toBe(false);
  });

  it('rejects waiting lines when the connection is given up', async () => {
    const q = new ThrottledQueue(1, 1, 10);
    const p = q.push('x');
    q.detach(new Error('gone'));
    await expect(p).rejects.toThrow('gone');
  });
});

describe('per-network connect limit', () => {
  it('caps concurrent connects per network, FIFO', async () => {
    const lim = new ConnectLimiter(2);
    const r1 = await lim.acquire();
    const r2 = await lim.acquire();
    let third = false;
    const p3 = lim.acquire().then((r) => ((third = true), r));
    await new Promise((r) => setTimeout(r, 5));
    expect(third).toBe(false);
    r1();
    const r3 = await p3;
    expect(third).toBe(true);
    expect(lim.inUse).toBe(2);
    r2();
    r3();
    expect(lim.inUse).toBe(0);
  });
});
