/**
 * The load generator: `n` chat messages to one JID, at most `window` of them unanswered at a
 * time, each matched to its echo by body. window = 1 measures latency; a large window measures
 * throughput (and latency under load). `to` may vary per message (several conversations).
 */
import { xml } from '@xmpp/client';
import type { Element } from 'ltx';
import { performance } from 'node:perf_hooks';
import type { TestClient } from '../../test/helpers/xmpp-client.js';

export interface LoadResult {
  elapsedMs: number;
  latenciesMs: number[];
}

/** Fail rather than hang when echoes stop coming (a dropped message, a dead peer). */
const STALL_MS = 30_000;

export function runLoad(client: TestClient, to: string | ((i: number) => string), n: number, window: number, tag: string): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const sentAt = new Map<string, number>();
    const latenciesMs: number[] = [];
    let sent = 0;
    let lastProgress = Date.now();
    const start = performance.now();

    const sendNext = (): void => {
      const i = sent++;
      const body = `${tag}-${i}`;
      sentAt.set(body, performance.now());
      // Unique ids: the gateway dedupes on stanza id, so a reused id would not be echoed.
      client.xmpp.send(xml('message', { to: typeof to === 'string' ? to : to(i), type: 'chat', id: body }, xml('body', {}, body))).catch(fail);
    };
    const onStanza = (el: Element): void => {
      if (!el.is('message') || el.attrs['type'] === 'error') return;
      const body = el.getChildText('body');
      const t0 = body === null ? undefined : sentAt.get(body);
      if (t0 === undefined) return;
      latenciesMs.push(performance.now() - t0);
      sentAt.delete(body!);
      lastProgress = Date.now();
      if (latenciesMs.length === n) return finish();
      if (sent < n) sendNext();
    };
    const stall = setInterval(() => {
      if (Date.now() - lastProgress > STALL_MS) fail(new Error(`${tag}: no echo for ${STALL_MS} ms (${latenciesMs.length}/${n} back, ${sentAt.size} in flight)`));
    }, 1000);
    function cleanup(): void {
      clearInterval(stall);
      client.xmpp.removeListener('stanza', onStanza);
    }
    function finish(): void {
      cleanup();
      resolve({ elapsedMs: performance.now() - start, latenciesMs });
    }
    function fail(err: unknown): void {
      cleanup();
      reject(err instanceof Error ? err : new Error(String(err)));
    }

    client.xmpp.on('stanza', onStanza);
    while (sent < Math.min(window, n)) sendNext();
  });
}
