import { afterEach, describe, expect, it } from 'vitest';
import type { AdhocResponse } from '../../../src/core/adhoc-model.js';
import { StanzaError } from '../../../src/core/errors.js';
import { rejection, startSms, uniqueNumber, type SmsHarness } from './sms-setup.js';

let h: SmsHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const admin = { user: 'admin@example.org', from: 'admin@example.org/desk', localpart: '' };
const note = (r: AdhocResponse | undefined) => (r?.status === 'completed' ? (r.note?.text ?? '') : '');

function run(harness: SmsHarness, node: string, values?: Record<string, string[]>, user = admin.user) {
  const cmd = harness.bridge.commands.find((c) => c.node === node);
  if (!cmd) throw new Error(`no command ${node}`);
  return cmd.run({ ...admin, user, action: values ? 'complete' : 'execute', ...(values ? { values } : {}) });
}

describe('number assignment commands', () => {
  it('marks the management commands admin-only and offers them on the domain', async () => {
    h = await startSms();
    const byNode = Object.fromEntries(h.bridge.commands.map((c) => [c.node, c]));
    for (const node of ['sms-assign-number', 'sms-unassign-number', 'sms-list-numbers', 'sms-unassigned-numbers']) {
      expect(byNode[node]?.admin).toBe(true);
      expect(byNode[node]?.appliesTo('')).toBe(true);
      expect(byNode[node]?.appliesTo('+15551234567')).toBe(false);
    }
    expect(byNode['sms-my-number']?.admin).toBeFalsy();
  });

  it('asks for a user and a number, then assigns a number typed in national form', async () => {
    h = await startSms();
    const form = await run(h, 'sms-assign-number');
    expect(form.status === 'executing' && form.form.fields.map((f) => f.var)).toEqual(['user', 'number']);
    const user = `new${Date.now()}@example.org`;
    await run(h, 'sms-assign-number', { user: [user], number: ['(555) 010-2030'] });
    expect(note(await run(h, 'sms-list-numbers'))).toContain(`${user}: +15550102030 (assigned by an admin)`);
    expect(note(await run(h, 'sms-my-number', undefined, user))).toContain('+15550102030');
  });

  it('refuses a number that belongs to another user with conflict', async () => {
    h = await startSms();
    const err = (await rejection(run(h, 'sms-assign-number', { user: ['other@example.org'], number: [h.number] }))) as StanzaError;
    expect(err).toBeInstanceOf(StanzaError);
    expect(err.condition).toBe('conflict');
  });

  it('refuses what is neither a number nor a Messaging Service with bad-request', async () => {
    h = await startSms();
    const err = (await rejection(run(h, 'sms-assign-number', { user: ['x@example.org'], number: ['call me'] }))) as StanzaError;
    expect(err.condition).toBe('bad-request');
  });

  it('unassigns a number from the config file, after which the user gets registration-required', async () => {
    h = await startSms();
    const form = await run(h, 'sms-unassign-number');
    expect(form.status === 'executing' && form.form.fields[0]?.options?.map((o) => o.value)).toContain(h.user);
    expect(note(await run(h, 'sms-unassign-number', { user: [h.user] }))).toContain(h.number);
    expect(note(await run(h, 'sms-list-numbers'))).not.toContain(h.user);
    const err = (await rejection(h.bridge.send({ kind: 'message', type: 'chat', user: h.user, to: uniqueNumber(), body: 'x', receiptRequested: false }))) as StanzaError;
    expect(err.condition).toBe('registration-required');
  });

  it('never shows the auth token in any command output', async () => {
    h = await startSms();
    const outputs = await Promise.all(h.bridge.commands.map((c) => c.run({ ...admin, action: 'execute' })));
    expect(JSON.stringify(outputs)).not.toContain(h.twilio.authToken);
  });
});

describe('XEP-0100 gateway interaction', () => {
  it('turns a typed number into the contact local part', async () => {
    h = await startSms({ default_country: 'GB' });
    expect(h.bridge.gateway.toLocalpart('07700 900123')).toBe('+447700900123');
    expect(h.bridge.gateway.prompt).toBeTruthy();
    const err = (await rejection(Promise.resolve().then(() => h?.bridge.gateway.toLocalpart('nope')))) as StanzaError;
    expect(err.condition).toBe('jid-malformed');
  });
});

describe('service discovery', () => {
  it('declares receipts and XEP-0066 OOB on contacts (MMS), not on the domain; reactions only when sent as texts', async () => {
    h = await startSms();
    expect(h.bridge.resolve('+15551234567').features).toEqual(['urn:xmpp:receipts', 'jabber:x:oob']);
    expect(h.bridge.resolve('').features).toBeUndefined();
    await h.close();
    h = await startSms({ reactions: 'text' });
    expect(h.bridge.resolve('+15551234567').features).toContain('urn:xmpp:reactions:0');
  });
});
