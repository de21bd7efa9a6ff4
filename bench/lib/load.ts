/**
 * The XMPP echo load: `n` chat messages to one JID (or one per `to(i)`), at most `window`
 * unanswered at a time, each matched to its echo by body (bench/lib/oneway.ts does the timing).
 * window = 1 measures latency; a large window measures throughput.
 */
import { xml } from '@xmpp/client';
import type { Element } from 'ltx';
import type { TestClient } from '../../test/helpers/xmpp-client.js';
import { runOneWay, type LoadResult } from './oneway.js';

export type { LoadResult } from './oneway.js';

export function runLoad(client: TestClient, to: string | ((i: number) => string), n: number, window: number, tag: string): Promise<LoadResult> {
  return runOneWay({
    n,
    window,
    tag,
    // Unique ids: the gateway dedupes on stanza id, so a reused id would not be echoed.
    send: (body, i) => client.xmpp.send(xml('message', { to: typeof to === 'string' ? to : to(i), type: 'chat', id: body }, xml('body', {}, body))),
    subscribe(onBody) {
      const onStanza = (el: Element): void => {
        if (!el.is('message') || el.attrs['type'] === 'error') return;
        const body = el.getChildText('body');
        if (body !== null) onBody(body);
      };
      client.xmpp.on('stanza', onStanza);
      return () => client.xmpp.removeListener('stanza', onStanza);
    },
  });
}
