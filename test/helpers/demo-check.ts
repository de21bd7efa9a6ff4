/**
 * A smoke check of a running `npm run demo`: logs in as alice, messages every echo bridge and
 * runs the admin `status` command. `node dist/test/helpers/demo-check.js`; exits 0 when it works.
 */
import { xml } from '@xmpp/client';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DemoState } from './demo-banner.js';
import { repoRoot } from './repo.js';
import { connectClient } from './xmpp-client.js';

const dir = process.env['SWITCHBOARD_DEMO_DIR'] ?? join(repoRoot(), '.demo');
const state = JSON.parse(readFileSync(join(dir, 'demo.json'), 'utf8')) as DemoState;
const alice = state.accounts.find((a) => a.username === 'alice');
if (!alice) throw new Error(`no alice in ${dir}/demo.json`);
const server = { c2sPort: state.c2sPort, domain: state.domain, logs: () => `see ${dir}/prosody/prosody.log` };
const client = await connectClient(server, alice.username, alice.password, 'demo-check');
try {
  for (const bridge of state.bridges.filter((b) => b.id === 'echo')) {
    const body = `demo-check ${Date.now()}`;
    const started = Date.now();
    await client.send(xml('message', { to: `hello@${bridge.domain}`, type: 'chat', id: `check-${Date.now()}` }, xml('body', {}, body)));
    const echo = await client.waitForStanza((s) => s.is('message') && s.getChildText('body') === body, `the echo from hello@${bridge.domain}`);
    console.log(`echo from ${echo.attrs['from']} in ${Date.now() - started} ms: ${body}`);
    const status = await client.iq(
      xml('iq', { type: 'set', to: bridge.domain }, xml('command', { xmlns: 'http://jabber.org/protocol/commands', node: 'status', action: 'execute' })),
    );
    const note = status.getChild('command')?.getChildText('note');
    if (!note) throw new Error(`status command failed: ${status.toString()}`);
    console.log(`status of ${bridge.domain}:\n${note}`);
  }
  console.log('demo-check: OK');
} finally {
  await client.stop();
}
