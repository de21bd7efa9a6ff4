/**
 * The floor: a plain Prosody user that sends every chat message straight back. It runs in a
 * process of its own, like the gateway, so that it does not share the load generator's event
 * loop (that would make the floor slower than it is and flatter the gateway).
 * Env: BENCH_C2S_PORT, BENCH_DOMAIN, BENCH_USER, BENCH_PASSWORD. Prints `ready <jid>`.
 */
import { xml } from '@xmpp/client';
import type { Element } from 'ltx';
import { connectClient } from '../../test/helpers/xmpp-client.js';

function env(name: string): string {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
}

const server = { c2sPort: Number(env('BENCH_C2S_PORT')), domain: env('BENCH_DOMAIN'), logs: () => '' };
const client = await connectClient(server, env('BENCH_USER'), env('BENCH_PASSWORD'), 'echoer');
client.xmpp.on('stanza', (el: Element) => {
  const body = el.is('message') && el.attrs['type'] !== 'error' ? el.getChildText('body') : null;
  if (body === null || !el.attrs['from']) return;
  void client.xmpp.send(xml('message', { to: el.attrs['from'], type: 'chat' }, xml('body', {}, body)));
});
process.on('SIGTERM', () => void client.stop().finally(() => process.exit(0)));
console.log(`ready ${client.jid}`);
