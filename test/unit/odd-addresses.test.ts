// Every bridge's `resolve()` on odd local parts: each one either maps to an address kind or
// throws a StanzaError with `jid-malformed` (no such address can exist) or `item-not-found`
// (it could, but not here, e.g. an unknown IRC network), with a text — never something else,
// never silently. The receiver turns these into error stanzas (integration: odd-addresses).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bridge } from '../../src/core/bridge.js';
import { StanzaError } from '../../src/core/errors.js';
import { EchoBridge } from '../../bridges/echo/index.js';
import { IrcBridge } from '../../bridges/irc/adapter.js';
import { ircConfigSchema } from '../../bridges/irc/config.js';
import { SmsBridge } from '../../bridges/sms/adapter.js';
import { smsConfigSchema } from '../../bridges/sms/config.js';
import { EmailBridge } from '../../bridges/email/adapter.js';
import { emailConfigSchema } from '../../bridges/email/config.js';
import { createTestContext, type TestBridgeContext } from '../helpers/bridge-context.js';

type Expect = 'service' | 'contact' | 'room' | 'jid-malformed' | 'item-not-found';

const LONG = 'a'.repeat(300);

// [local part, irc, sms, email, echo]
const TABLE: Array<[string, Expect, Expect, Expect, Expect]> = [
  ['', 'service', 'service', 'service', 'service'],
  ['\\5c%test', 'contact', 'jid-malformed', 'jid-malformed', 'contact'], // nick `\` (RFC 2812 allows it)
  ['\\5c', 'jid-malformed', 'jid-malformed', 'jid-malformed', 'contact'],
  ['%', 'jid-malformed', 'jid-malformed', 'jid-malformed', 'contact'],
  ['%test', 'jid-malformed', 'jid-malformed', 'jid-malformed', 'contact'],
  ['#', 'jid-malformed', 'jid-malformed', 'jid-malformed', 'contact'],
  ['#%test', 'jid-malformed', 'jid-malformed', 'jid-malformed', 'contact'],
  ['#chan%', 'jid-malformed', 'jid-malformed', 'jid-malformed', 'contact'],
  ['nick%', 'jid-malformed', 'jid-malformed', 'jid-malformed', 'contact'],
  ['#chan%nowhere', 'item-not-found', 'jid-malformed', 'jid-malformed', 'contact'],
  ['nowhere', 'item-not-found', 'jid-malformed', 'jid-malformed', 'contact'],
  ['#chan%test', 'room', 'jid-malformed', 'jid-malformed', 'contact'],
  ['nick%test', 'contact', 'jid-malformed', 'jid-malformed', 'contact'],
  ['test', 'service', 'jid-malformed', 'jid-malformed', 'contact'],
  ['#a\\20b%test', 'jid-malformed', 'jid-malformed', 'jid-malformed', 'contact'], // escape → space
  ['#c\\2fd%te\\2fst', 'jid-malformed', 'jid-malformed', 'jid-malformed', 'contact'], // `/` in a network
  ['ni\\40ck%test', 'jid-malformed', 'jid-malformed', 'jid-malformed', 'contact'], // `@` in a nick
  [':x%test', 'jid-malformed', 'jid-malformed', 'jid-malformed', 'contact'],
  [`#${LONG}%test`, 'jid-malformed', 'jid-malformed', 'jid-malformed', 'jid-malformed'],
  [`${LONG}%test`, 'jid-malformed', 'jid-malformed', 'jid-malformed', 'jid-malformed'],
  [`x%${LONG}`, 'item-not-found', 'jid-malformed', 'jid-malformed', 'jid-malformed'],
  ['+1555', 'jid-malformed', 'jid-malformed', 'jid-malformed', 'contact'], // not a phone number
  ['+15551234567', 'jid-malformed', 'contact', 'jid-malformed', 'contact'],
  ['abc', 'item-not-found', 'jid-malformed', 'jid-malformed', 'contact'],
  ['alice', 'item-not-found', 'jid-malformed', 'jid-malformed', 'contact'], // email without a domain
  ['alice\\40', 'jid-malformed', 'jid-malformed', 'jid-malformed', 'contact'],
  ['\\40example.com', 'jid-malformed', 'jid-malformed', 'jid-malformed', 'contact'],
  ['alice\\40example.com', 'jid-malformed', 'jid-malformed', 'contact', 'contact'],
];

function outcome(bridge: Bridge, localpart: string): { kind: Expect; text: string } {
  try {
    return { kind: bridge.resolve(localpart).kind, text: '' };
  } catch (err) {
    if (!(err instanceof StanzaError)) throw err;
    return { kind: err.condition as Expect, text: err.message };
  }
}

describe('odd local parts on every bridge', () => {
  const contexts: TestBridgeContext[] = [];
  const bridges: Record<'irc' | 'sms' | 'email' | 'echo', Bridge> = {} as Record<'irc' | 'sms' | 'email' | 'echo', Bridge>;

  beforeAll(async () => {
    const ctx = async (id: string) => {
      const t = await createTestContext({ id, domain: `${id}.example.org` });
      contexts.push(t);
      return t.ctx;
    };
    bridges.irc = new IrcBridge(await ctx('irc'), ircConfigSchema.parse({ networks: { test: { servers: [{ host: '127.0.0.1', port: 6667, tls: false }] } } }));
    bridges.sms = new SmsBridge(await ctx('sms'), smsConfigSchema.parse({ account_sid: `AC${'0'.repeat(32)}`, auth_token: 'x', numbers: {} }));
    bridges.email = new EmailBridge(
      await ctx('email'),
      emailConfigSchema.parse({ addresses: { pattern: '{local}@mail.example.org', user_domain: 'example.org' }, smtp: { host: '127.0.0.1', port: 0 }, authentication: { verify: false } }),
    );
    bridges.echo = new EchoBridge(await ctx('echo'), { prefix: '', delay_ms: 0 });
  });

  afterAll(async () => {
    for (const t of contexts) await t.close();
  });

  it.each(TABLE)('%j → irc %s, sms %s, email %s, echo %s', (localpart, irc, sms, email, echo) => {
    const got = {
      irc: outcome(bridges.irc, localpart),
      sms: outcome(bridges.sms, localpart),
      email: outcome(bridges.email, localpart),
      echo: outcome(bridges.echo, localpart),
    };
    expect({ irc: got.irc.kind, sms: got.sms.kind, email: got.email.kind, echo: got.echo.kind }).toEqual({ irc, sms, email, echo });
    for (const o of Object.values(got)) {
      if (o.kind === 'jid-malformed' || o.kind === 'item-not-found') {
        expect(o.text.length).toBeGreaterThan(10);
        // The text quotes what was wrong, but never the whole of an over-long address.
        expect(o.text.length).toBeLessThan(240);
      }
    }
  });
});
