/** Shared set-up of the email bridge tests: a real context, the bridge, and fake DNS records. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestContext, type TestBridgeContext } from '../../../test/helpers/bridge-context.js';
import { EmailBridge } from '../adapter.js';
import { emailConfigSchema, type EmailConfig } from '../config.js';
import type { DNSResolver } from '../sender-auth.js';

export const DOMAIN = 'mail.example.org';

let counter = 0;
/** A unique local part per test (users and Message-IDs never collide between tests). */
export function unique(prefix: string): string {
  counter += 1;
  return `${prefix}${process.pid}x${counter}x${Date.now().toString(36)}`;
}

/** DNS answers from a table; anything else is NXDOMAIN, as mailauth expects (`ENOTFOUND`). */
export function fakeResolver(records: Record<string, string[]>): DNSResolver {
  return async (name, rrtype) => {
    const answer = records[`${rrtype.toUpperCase()} ${name.toLowerCase()}`];
    if (!answer) throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
    return rrtype.toUpperCase() === 'TXT' ? answer.map((r) => [r]) : answer;
  };
}

export interface EmailHarness {
  t: TestBridgeContext;
  bridge: EmailBridge;
  smtpPort: number;
  config: EmailConfig;
  close(): Promise<void>;
}

export async function startEmailBridge(opts: {
  users: string[];
  options?: Record<string, unknown>;
  resolver?: DNSResolver;
  publicUrl?: string;
}): Promise<EmailHarness> {
  const t = await createTestContext({ id: 'email', domain: DOMAIN, users: opts.users, http: true, publicUrl: opts.publicUrl ?? 'https://gw.example.org' });
  const raw = {
    addresses: { pattern: '{local}@mail.example.org', user_domain: 'example.org' },
    smtp: { host: '127.0.0.1', port: 0, greeting_name: 'mx.test' },
    attachments: { dir: mkdtempSync(join(tmpdir(), 'sb-email-att-')) },
    authentication: { verify: opts.resolver !== undefined },
    ...opts.options,
  };
  const config: EmailConfig = emailConfigSchema.parse(raw);
  const bridge = new EmailBridge(t.ctx, config, opts.resolver ? { resolver: opts.resolver } : {});
  await bridge.start();
  const smtpPort = bridge.listener.port;
  if (smtpPort === undefined) throw new Error('SMTP listener has no port');
  return {
    t,
    bridge,
    smtpPort,
    config,
    async close() {
      await bridge.stop();
      await t.close();
    },
  };
}
