// The SMS bridge end to end: the built gateway attached to a real Prosody and ejabberd, real XMPP clients,
// a local Twilio-compatible API, and webhooks signed like Twilio's over real HTTP.
import { xml } from '@xmpp/client';
import type { Element } from 'ltx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../../../test/helpers/gateway.js';
import { freePort } from '../../../test/helpers/ports.js';
import { startEjabberd } from '../../../test/helpers/ejabberd.js';
import { startProsody } from '../../../test/helpers/prosody.js';
import type { XmppServer, XmppServerOptions } from '../../../test/helpers/server-process.js';
import { inboundParams, postSignedWebhook, startFakeTwilio, statusParams, type FakeTwilio } from '../../../test/helpers/sms-fake-twilio.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { connectClient, type TestClient } from '../../../test/helpers/xmpp-client.js';
import { errorCondition } from '../../../test/helpers/stanza-assert.js';

const DOMAIN = 'sms.localhost';
const SECRET = 'sms-component-secret';
const PUBLIC = 'https://sms-gw.example.org';
const NS_STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas';
const ALICE_NUMBER = '+15550001001';
const ADMIN_NUMBER = '+15550001002';

const errorText = (el: Element) => el.getChild('error')?.getChildText('text', NS_STANZAS) ?? '';
let seq = 0;
const uid = (p: string) => `${p}-${Date.now().toString(36)}-${(seq += 1)}`;

// "Attaches to any XMPP server" is a claim we test (design.md §9): both servers.
const servers: Array<[string, (opts: XmppServerOptions) => Promise<XmppServer>]> = [
  ['prosody', startProsody],
  ['ejabberd', startEjabberd],
];

describe.each(servers)('SMS bridge through %s', (_name, start) => {
  let server: XmppServer;
  let twilio: FakeTwilio;
  let gateway: RunningGateway;
  let httpPort: number;
  let alice: TestClient;
  let admin: TestClient;
  let bob: TestClient;

  const gatewayOptions = () => ({
    xmppPort: server.componentPort,
    admins: [`admin@${server.domain}`],
    env: { TWILIO_AUTH_TOKEN: twilio.authToken },
    extra: { http: { host: '127.0.0.1', port: httpPort, public_url: PUBLIC } },
    bridges: {
      sms: {
        domain: DOMAIN,
        component_secret: SECRET,
        access: { users: [`alice@${server.domain}`, `bob@${server.domain}`] },
        options: {
          account_sid: twilio.accountSid,
          auth_token: '${TWILIO_AUTH_TOKEN}',
          api_base_url: twilio.url,
          numbers: { [`alice@${server.domain}`]: ALICE_NUMBER, [`admin@${server.domain}`]: ADMIN_NUMBER },
        },
      },
    },
  });

  const webhook = (path: 'inbound' | 'status', params: Record<string, string>, signature?: string) =>
    postSignedWebhook({
      postUrl: `http://127.0.0.1:${httpPort}/sms/${path}`,
      signedUrl: `${PUBLIC}/sms/${path}`,
      authToken: twilio.authToken,
      params,
      ...(signature !== undefined ? { signature } : {}),
    });

  beforeAll(async () => {
    twilio = await startFakeTwilio();
    httpPort = await freePort();
    server = await start({
      components: [{ domain: DOMAIN, secret: SECRET }],
      users: [
        { username: 'alice', password: 'pw-alice' },
        { username: 'admin', password: 'pw-admin' },
        { username: 'bob', password: 'pw-bob' },
      ],
    });
    gateway = await startGateway(gatewayOptions());
    alice = await connectClient(server, 'alice', 'pw-alice');
    admin = await connectClient(server, 'admin', 'pw-admin');
    bob = await connectClient(server, 'bob', 'pw-bob');
  });

  afterAll(async () => {
    await Promise.all([alice?.stop(), admin?.stop(), bob?.stop()]);
    await gateway?.stop();
    await server?.stop();
    await twilio?.close();
  });

  it('sends an SMS, and turns the delivered status callback into a XEP-0184 receipt', async () => {
    const id = uid('m');
    const to = '+15557770001';
    await alice.send(xml('message', { to: `${to}@${DOMAIN}`, type: 'chat', id }, xml('body', {}, 'hello phone'), xml('request', { xmlns: 'urn:xmpp:receipts' })));
    const req = await waitFor(() => twilio.created().find((r) => r.form.To?.[0] === to), 'Messages.create');
    expect(req.form).toMatchObject({ From: [ALICE_NUMBER], Body: ['hello phone'], StatusCallback: [`${PUBLIC}/sms/status`] });
    expect((await webhook('status', statusParams({ accountSid: twilio.accountSid, sid: req.sid ?? '', status: 'sent', from: ALICE_NUMBER, to }))).status).toBe(200);
    expect((await webhook('status', statusParams({ accountSid: twilio.accountSid, sid: req.sid ?? '', status: 'delivered', from: ALICE_NUMBER, to }))).status).toBe(200);
    const receipt = await alice.waitForStanza((s) => s.getChild('received', 'urn:xmpp:receipts')?.attrs.id === id, 'receipt');
    expect(receipt.attrs.from).toBe(`${to}@${DOMAIN}`);
  });

  it('receives an SMS from +sender as a chat message', async () => {
    const from = '+15557770002';
    const params = inboundParams({ accountSid: twilio.accountSid, from, to: ALICE_NUMBER, body: uid('incoming') });
    const res = await webhook('inbound', params);
    expect(res.status).toBe(200);
    expect(res.body).toContain('<Response/>');
    const msg = await alice.waitForStanza((s) => s.is('message') && s.getChildText('body') === params.Body, 'inbound SMS');
    expect(msg.attrs.from).toBe(`${from}@${DOMAIN}`);
    expect(msg.attrs.type).toBe('chat');
  });

  it('delivers a replayed webhook (same MessageSid) once, and nothing for a bad signature', async () => {
    const params = inboundParams({ accountSid: twilio.accountSid, from: '+15557770003', to: ALICE_NUMBER, body: uid('replayed') });
    expect((await webhook('inbound', params)).status).toBe(200);
    expect((await webhook('inbound', params)).status).toBe(200);
    const forged = { ...params, MessageSid: `SM${'f'.repeat(32)}`, Body: uid('forged') };
    expect((await webhook('inbound', forged, 'Zm9yZ2Vk')).status).toBe(403);
    await alice.waitForStanza((s) => s.getChildText('body') === params.Body, 'replayed SMS');
    // A later message proves the queue moved on; the replay and the forgery did not arrive.
    const marker = inboundParams({ accountSid: twilio.accountSid, from: '+15557770003', to: ALICE_NUMBER, body: uid('marker') });
    await webhook('inbound', marker);
    await alice.waitForStanza((s) => s.getChildText('body') === marker.Body, 'marker');
    expect(alice.received.filter((s) => s.getChildText('body') === params.Body)).toHaveLength(1);
    expect(alice.received.some((s) => s.getChildText('body') === forged.Body)).toBe(false);
  });

  it('carries MMS both ways with XEP-0066 OOB', async () => {
    const url = 'https://upload.localhost/share/cat.jpg';
    const to = '+15557770004';
    await alice.send(xml('message', { to: `${to}@${DOMAIN}`, type: 'chat', id: uid('mms') }, xml('body', {}, url), xml('x', { xmlns: 'jabber:x:oob' }, xml('url', {}, url))));
    const req = await waitFor(() => twilio.created().find((r) => r.form.To?.[0] === to), 'MMS create');
    expect(req.form.MediaUrl).toEqual([url]);
    const media = 'https://api.twilio.com/2010-04-01/Accounts/AC/Messages/MM1/Media/ME1';
    await webhook('inbound', inboundParams({ accountSid: twilio.accountSid, from: to, to: ALICE_NUMBER, body: '', media: [{ url: media, type: 'image/jpeg' }] }));
    const msg = await alice.waitForStanza((s) => s.getChild('x', 'jabber:x:oob')?.getChildText('url') === media, 'inbound MMS');
    expect(msg.getChildText('body')).toBe(media);
  });

  it('bounces a text Twilio refuses (21610) with the original id, the code and a text', async () => {
    twilio.plan({ status: 400, code: 21610, message: 'Attempt to send to unsubscribed recipient' });
    const id = uid('stop');
    await alice.send(xml('message', { to: `+15557770005@${DOMAIN}`, type: 'chat', id }, xml('body', {}, 'are you there?')));
    const err = await alice.waitForStanza((s) => s.is('message') && s.attrs.type === 'error' && s.attrs.id === id, 'error');
    expect(errorCondition(err)).toBe('forbidden');
    expect(errorText(err)).toMatch(/21610/);
  });

  it('reports a failed status callback as an error with the Twilio ErrorCode', async () => {
    const id = uid('fail');
    const to = '+15557770006';
    await alice.send(xml('message', { to: `${to}@${DOMAIN}`, type: 'chat', id }, xml('body', {}, 'into the void')));
    const req = await waitFor(() => twilio.created().find((r) => r.form.To?.[0] === to), 'create');
    await webhook('status', statusParams({ accountSid: twilio.accountSid, sid: req.sid ?? '', status: 'undelivered', from: ALICE_NUMBER, to, errorCode: 30005 }));
    const err = await alice.waitForStanza((s) => s.is('message') && s.attrs.type === 'error' && s.attrs.id === id, 'failure');
    expect(errorCondition(err)).toBe('item-not-found');
    expect(errorText(err)).toMatch(/30005/);
  });

  it('retries while the API answers 500 and sends exactly once when it recovers', async () => {
    twilio.plan({ status: 500 }, { status: 500 }, { status: 503 });
    const to = '+15557770007';
    await alice.send(xml('message', { to: `${to}@${DOMAIN}`, type: 'chat', id: uid('retry') }, xml('body', {}, 'persistent')));
    await waitFor(() => twilio.created().some((r) => r.form.To?.[0] === to), 'sent after retries', 20_000);
    // One in-flight item per conversation: once a later text to the same number is sent, the first
    // item is done, so no further attempt of it can follow.
    await alice.send(xml('message', { to: `${to}@${DOMAIN}`, type: 'chat', id: uid('after') }, xml('body', {}, 'after')));
    await waitFor(() => twilio.created().some((r) => r.form.Body?.[0] === 'after'), 'the next text sent', 20_000);
    const attempts = twilio.requests.filter((r) => r.form.To?.[0] === to);
    expect(attempts.map((r) => [r.form.Body?.[0], r.status])).toEqual([
      ['persistent', 500],
      ['persistent', 500],
      ['persistent', 503],
      ['persistent', 201],
      ['after', 201],
    ]);
  });

  it('turns a number typed as (555) 123-4567 into +15551234567 through jabber:iq:gateway', async () => {
    const prompt = await alice.iq(xml('iq', { type: 'get', to: DOMAIN }, xml('query', { xmlns: 'jabber:iq:gateway' })));
    expect(prompt.getChild('query')?.getChildText('prompt')).toBeTruthy();
    const res = await alice.iq(xml('iq', { type: 'set', to: DOMAIN }, xml('query', { xmlns: 'jabber:iq:gateway' }, xml('prompt', {}, '(555) 123-4567'))));
    expect(res.getChild('query')?.getChildText('jid')).toBe(`+15551234567@${DOMAIN}`);
    const bad = await alice.iq(xml('iq', { type: 'set', to: DOMAIN }, xml('query', { xmlns: 'jabber:iq:gateway' }, xml('prompt', {}, 'not a number'))));
    expect(errorCondition(bad)).toBe('jid-malformed');
  });

  it('answers registration-required to a user without a number', async () => {
    const id = uid('noreg');
    await bob.send(xml('message', { to: `+15557770008@${DOMAIN}`, type: 'chat', id }, xml('body', {}, 'hi')));
    const err = await bob.waitForStanza((s) => s.is('message') && s.attrs.type === 'error' && s.attrs.id === id, 'registration-required');
    expect(errorCondition(err)).toBe('registration-required');
    expect(twilio.requests.some((r) => r.form.To?.[0] === '+15557770008')).toBe(false);
  });

  it('keeps a text to an unassigned number as a dead letter that an admin retries after assigning it', async () => {
    const stray = '+15550009999';
    const params = inboundParams({ accountSid: twilio.accountSid, from: '+15557770009', to: stray, body: uid('stray') });
    expect((await webhook('inbound', params)).status).toBe(200);
    const cmd = (node: string, children: Element[] = [], attrs: Record<string, string> = {}) =>
      admin.iq(xml('iq', { type: 'set', to: DOMAIN }, xml('command', { xmlns: 'http://jabber.org/protocol/commands', node, ...attrs }, ...children)));
    const submit = (fields: Record<string, string[]>) =>
      xml('x', { xmlns: 'jabber:x:data', type: 'submit' }, ...Object.entries(fields).map(([v, vals]) => xml('field', { var: v }, ...vals.map((x) => xml('value', {}, x)))));
    const listed = await cmd('sms-unassigned-numbers', [], { action: 'execute' });
    expect(listed.getChild('command')?.getChildText('note')).toContain(stray);

    const step = await cmd('sms-assign-number', [], { action: 'execute' });
    const sessionid = step.getChild('command')?.attrs.sessionid as string;
    const done = await cmd('sms-assign-number', [submit({ user: [`bob@${server.domain}`], number: [stray] })], { action: 'complete', sessionid });
    expect(done.getChild('command')?.attrs.status).toBe('completed');

    const dl = await cmd('dead-letters', [], { action: 'execute' });
    const dlSession = dl.getChild('command')?.attrs.sessionid as string;
    const items = dl.getChild('command')?.getChild('x', 'jabber:x:data')?.getChildren('field').find((f) => f.attrs.var === 'items');
    const ids = (items?.getChildren('option') ?? []).map((o) => o.getChildText('value') ?? '');
    expect(ids.length).toBeGreaterThan(0);
    const retried = await cmd('dead-letters', [submit({ items: ids, action: ['retry'] })], { action: 'complete', sessionid: dlSession });
    expect(retried.getChild('command')?.attrs.status).toBe('completed');
    const msg = await bob.waitForStanza((s) => s.getChildText('body') === params.Body, 'dead letter delivered to the new owner');
    expect(msg.attrs.from).toBe(`+15557770009@${DOMAIN}`);
  });

  // Restarting ejabberd on a loaded machine takes 20–30 s: the default 30 s is too tight.
  it('delivers a webhook committed just before a SIGKILL once the gateway is back', { timeout: 90_000 }, async () => {
    const params = inboundParams({ accountSid: twilio.accountSid, from: '+15557770010', to: ALICE_NUMBER, body: uid('survivor') });
    await server.restart(async () => {
      // The XMPP server is down: the gateway commits the text but cannot deliver it.
      await waitFor(async () => (await fetch(`http://127.0.0.1:${httpPort}/healthz`)).status === 503, 'gateway sees XMPP down');
      expect((await webhook('inbound', params)).status).toBe(200);
      await gateway.kill();
    });
    // The clients' connections died with the server: log in again first, so that the text is
    // delivered to an online resource (the test servers keep no offline storage).
    await Promise.all([alice.stop(), admin.stop(), bob.stop()]);
    alice = await connectClient(server, 'alice', 'pw-alice');
    admin = await connectClient(server, 'admin', 'pw-admin');
    bob = await connectClient(server, 'bob', 'pw-bob');
    gateway = await startGateway({ ...gatewayOptions(), dir: gateway.dir });
    await alice.waitForStanza((s) => s.getChildText('body') === params.Body, 'survivor delivered after restart', 20_000);
  });

  it('never logs the Twilio auth token', () => {
    const basic = Buffer.from(`${twilio.accountSid}:${twilio.authToken}`).toString('base64');
    expect(gateway.stdout() + gateway.stderr()).not.toContain(twilio.authToken);
    expect(gateway.stdout()).not.toContain(basic);
  });
});
