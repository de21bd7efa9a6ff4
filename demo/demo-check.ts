/**
 * A smoke check of a running `npm run demo`: logs in as alice and proves each bridge works end
 * to end (demo-check-steps.ts): echo and the admin `status` command, an IRC join and a line each
 * way with a real IRC client, an inbound SMS (signed webhook) and the reply's receipt, an inbound
 * mail (swaks) and the reply in the sink. `node dist/demo/demo-check.js`; exits 0 when it works.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DemoState } from './demo-banner.js';
import { checkEcho, checkEmail, checkIrc, checkSms } from './demo-check-steps.js';
import { repoRoot } from '../test/helpers/repo.js';
import { connectClient } from '../test/helpers/xmpp-client.js';

const dir = process.env['SWITCHBOARD_DEMO_DIR'] ?? join(repoRoot(), '.demo');
const state = JSON.parse(readFileSync(join(dir, 'demo.json'), 'utf8')) as DemoState;
const alice = state.accounts.find((a) => a.username === 'alice');
if (!alice) throw new Error(`no alice in ${dir}/demo.json`);
const server = { c2sPort: state.c2sPort, domain: state.domain, logs: () => `see ${dir}/prosody/prosody.log` };
const client = await connectClient(server, alice.username, alice.password, 'demo-check');
try {
  for (const bridge of state.bridges) {
    if (bridge.id === 'echo') await checkEcho(client, bridge);
    else if (bridge.id === 'irc') await checkIrc(client, bridge);
    else if (bridge.id === 'sms') await checkSms(client, bridge, state);
    else if (bridge.id === 'email') await checkEmail(client, bridge);
    else console.log(`${bridge.id}: no check`);
  }
  console.log('demo-check: OK');
} finally {
  await client.stop();
}
