/**
 * The email bridge in the demo: its SMTP listener for inbound mail, and an aiosmtpd Maildir sink
 * as the relay for outbound mail. Users' addresses are <name>@<bridge domain>.
 */
import { join } from 'node:path';
import type { DemoBridge } from './demo-bridge-types.js';
import { freePort } from '../test/helpers/ports.js';
import { startSmtpSinkDaemon } from '../test/helpers/smtp-sink-daemon.js';

/** The swaks line that mails `to` through the demo's listener. */
export function swaksCommand(port: number, to: string, body: string): string {
  return `swaks --server 127.0.0.1 --port ${port} --from carol@example.com --to ${to} --header "Subject: Hello" --body "${body}"`;
}

export const emailDemo: DemoBridge = {
  id: 'email',
  subdomain: 'mail',
  async startPeer({ stateDir, runDir, bridgeDomain, xmppDomain, pickPort }) {
    const smtpPort = await pickPort(2525);
    // Nobody types the sink's port: any free one.
    const sinkPort = await pickPort(await freePort());
    const sink = await startSmtpSinkDaemon({ dir: join(stateDir, 'sink'), port: sinkPort, pidFile: join(runDir, 'smtp-sink.pid') });
    const alice = `alice@${bridgeDomain}`;
    return {
      options: {
        addresses: { pattern: `{local}@${bridgeDomain}`, user_domain: xmppDomain, display_name: '{local} (XMPP)' },
        smtp: { host: '127.0.0.1', port: smtpPort, greeting_name: bridgeDomain },
        // aiosmtpd offers no STARTTLS; one message at a time keeps the sink's log readable.
        relay: { host: '127.0.0.1', port: sinkPort, starttls: 'never', pool: false, timeout_ms: 5000 },
        // Mail from swaks on this machine can pass no DKIM/SPF check, and a demo machine may
        // have no DNS: checking would only add the [unverified sender] marker after a timeout.
        authentication: { verify: false },
        attachments: { dir: join(stateDir, 'attachments') },
      },
      info: { smtpPort, maildir: sink.maildir, alice },
      tryLines: [
        `Mail alice (she is ${alice}; bob is bob@${bridgeDomain}) through the bridge's SMTP listener:`,
        `    ${swaksCommand(smtpPort, alice, 'Hi alice, this came by email.')}`,
        `  It arrives as a chat from carol\\40example.com@${bridgeDomain}; answer it, or write to`,
        `  anyone\\40example.com@${bridgeDomain}: outbound mail lands in the Maildir ${join(sink.maildir, 'new')}`,
      ],
      daemons: [sink.daemon],
      stop: () => sink.daemon.stop(3000),
    };
  },
};
