import { Element } from 'ltx';
import { describe, expect, it } from 'vitest';
import { StanzaError } from '../../src/core/errors.js';
import { IqClient } from '../../src/xmpp/iq-client.js';

function setup() {
  const sent: Element[] = [];
  const client = new IqClient('irc.example', async (el) => void sent.push(el));
  return { sent, client };
}

const answer = (req: Element, attrs: Record<string, string>, ...children: Element[]): Element => {
  const el = new Element('iq', { id: String(req.attrs.id), to: String(req.attrs.from), ...attrs });
  for (const c of children) el.cnode(c);
  return el;
};

describe('iq queries to users’ clients', () => {
  it('asks for the version from the contact and reads the answer', async () => {
    const { sent, client } = setup();
    const p = client.query({ user: 'alice@example.org', resource: 'phone', from: 'bob%net', query: 'version' });
    const req = sent[0]!;
    expect(req.attrs).toMatchObject({ type: 'get', from: 'bob%net@irc.example', to: 'alice@example.org/phone' });
    expect(req.getChild('query', 'jabber:iq:version')).toBeDefined();
    const q = new Element('query', { xmlns: 'jabber:iq:version' });
    q.c('name').t('Dino').up().c('version').t('0.4');
    expect(client.onResponse(answer(req, { type: 'result', from: 'alice@example.org/phone' }, q))).toBe(true);
    await expect(p).resolves.toEqual({ name: 'Dino', version: '0.4' });
  });

  it('ignores an answer from another JID (no spoofing) and unknown ids', async () => {
    const { sent, client } = setup();
    const p = client.query({ user: 'alice@example.org', resource: 'phone', from: 'bob%net', query: 'ping', timeoutMs: 200 });
    const req = sent[0]!;
    expect(req.getChild('ping', 'urn:xmpp:ping')).toBeDefined();
    expect(client.onResponse(answer(req, { type: 'result', from: 'mallory@example.org/x' }))).toBe(false);
    expect(client.onResponse(new Element('iq', { type: 'result', id: 'other', from: 'alice@example.org/phone' }))).toBe(false);
    const err = await p.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StanzaError);
    expect((err as StanzaError).condition).toBe('remote-server-timeout');
  });

  it('turns an error answer into its condition, and an unknown condition into undefined-condition', async () => {
    const { sent, client } = setup();
    const p1 = client.query({ user: 'a@x', resource: 'r', from: 'n%net', query: 'ping' });
    const p2 = client.query({ user: 'a@x', resource: 'r', from: 'n%net', query: 'ping' });
    const error = (cond: string) => new Element('error', { type: 'cancel' }).c(cond, { xmlns: 'urn:ietf:params:xml:ns:xmpp-stanzas' }).root();
    client.onResponse(answer(sent[0]!, { type: 'error', from: 'a@x/r' }, error('service-unavailable')));
    client.onResponse(answer(sent[1]!, { type: 'error', from: 'a@x/r' }, error('made-up')));
    expect(((await p1.catch((e: unknown) => e)) as StanzaError).condition).toBe('service-unavailable');
    expect(((await p2.catch((e: unknown) => e)) as StanzaError).condition).toBe('undefined-condition');
  });

  it('rejects open queries when the component goes offline, and a query it cannot send', async () => {
    const { client } = setup();
    const p = client.query({ user: 'a@x', resource: 'r', from: 'n%net', query: 'ping' });
    client.rejectAll('the component is offline');
    expect(((await p.catch((e: unknown) => e)) as StanzaError).condition).toBe('recipient-unavailable');
    const offline = new IqClient('irc.example', () => Promise.reject(new Error('offline')));
    const q = offline.query({ user: 'a@x', resource: 'r', from: 'n%net', query: 'ping' });
    expect(((await q.catch((e: unknown) => e)) as StanzaError).condition).toBe('recipient-unavailable');
  });
});
