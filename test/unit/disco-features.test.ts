// Honest discovery (issue 12): a contact or room advertises what its bridge declares in
// ResolvedAddress.features and nothing more (receipts included), and a network's limits on
// reactions as the XEP-0444 §2.2 restrictions form.
import { Element, parse } from 'ltx';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { FEATURES, type Bridge, type ResolvedAddress } from '../../src/core/bridge.js';
import type { AdhocService } from '../../src/xmpp/adhoc.js';
import { registerDisco } from '../../src/xmpp/disco.js';
import { IqRouter } from '../../src/xmpp/iq.js';
import { CAPS_NODE, capsVer } from '../../src/xmpp/caps.js';

const ADDRESSES: Record<string, ResolvedAddress> = {
  plain: { kind: 'contact', localpart: 'plain' },
  phone: { kind: 'contact', localpart: 'phone', features: [FEATURES.receipts, FEATURES.oob] },
  room: {
    kind: 'room',
    localpart: 'room',
    features: [FEATURES.reactions, FEATURES.chatStates, FEATURES.reply, FEATURES.retract, FEATURES.styling],
    reactions: { maxPerUser: 1, allowlist: ['👍', '❤️'] },
  },
  limitsWithoutFeature: { kind: 'contact', localpart: 'x', reactions: { maxPerUser: 1 } },
};

function setup() {
  const router = new IqRouter(pino({ level: 'silent' }));
  const bridge = { resolve: (l: string) => ADDRESSES[l]! } as unknown as Bridge;
  const disco = registerDisco(router, { identity: { type: 'test', name: 'Test' }, bridge, adhoc: { visible: () => [] } as unknown as AdhocService });
  return { router, disco };
}

async function info(localpart: string, node?: string): Promise<Element> {
  const { router } = setup();
  const stanza = parse(
    `<iq type='get' id='d1' from='alice@example.org/a' to='${localpart}@t.example'><query xmlns='http://jabber.org/protocol/disco#info'${node ? ` node='${node}'` : ''}/></iq>`,
  );
  const reply = await router.dispatch({ stanza, user: 'alice@example.org', resource: 'a', from: 'alice@example.org/a', localpart, toResource: '' });
  const query = reply instanceof Element ? (reply.getChild('query') ?? reply) : undefined;
  if (!query || reply?.attrs.type !== 'result') throw new Error(`no disco#info answer: ${reply?.toString()}`);
  return query;
}

const features = (q: Element) => q.getChildren('feature').map((f) => f.attrs.var as string);

describe('disco#info says what the bridge declared', () => {
  it('gives a contact no receipts unless its bridge reports delivery', async () => {
    expect(features(await info('plain'))).not.toContain('urn:xmpp:receipts');
    expect(features(await info('phone'))).toEqual(expect.arrayContaining(['urn:xmpp:receipts', 'jabber:x:oob']));
  });

  it('lists the modern features a room declares, with the XEP-0444 §2.2 restrictions form', async () => {
    const q = await info('room');
    expect(features(q)).toEqual(
      expect.arrayContaining(['urn:xmpp:reactions:0', 'http://jabber.org/protocol/chatstates', 'urn:xmpp:reply:0', 'urn:xmpp:message-retract:1', 'urn:xmpp:styling:0']),
    );
    const form = q.getChildren('x', 'jabber:x:data').find((x) => x.getChildren('field').some((f) => f.getChildText('value') === 'urn:xmpp:reactions:0:restrictions'));
    expect(form?.attrs.type).toBe('result');
    const field = (name: string) => form?.getChildren('field').find((f) => f.attrs.var === name);
    expect(field('FORM_TYPE')?.attrs.type).toBe('hidden');
    expect(field('max_reactions_per_user')?.getChildText('value')).toBe('1');
    expect(field('allowlist')?.getChildren('value').map((v) => v.getText())).toEqual(['👍', '❤️']);
  });

  it('sends no restrictions form for an address that does not carry reactions', async () => {
    expect((await info('limitsWithoutFeature')).getChildren('x', 'jabber:x:data')).toEqual([]);
  });
});

describe('XEP-0115 caps of the presences the gateway sends', () => {
  it('hash what disco#info answers, and the caps node is answered like the JID itself', async () => {
    const c = setup().disco.caps('alice@example.org', 'phone');
    expect(c?.attrs).toMatchObject({ xmlns: 'http://jabber.org/protocol/caps', hash: 'sha-1', node: CAPS_NODE });
    const onNode = await info('phone', `${CAPS_NODE}#${c?.attrs.ver as string}`);
    expect(onNode.attrs.node).toBe(`${CAPS_NODE}#${c?.attrs.ver as string}`);
    expect(capsVer(onNode)).toBe(c?.attrs.ver);
    expect(features(onNode)).toContain('urn:xmpp:receipts');
  });

  it('differ when what the contact carries differs', () => {
    const { disco } = setup();
    expect(disco.caps('alice@example.org', 'plain')?.attrs.ver).not.toBe(disco.caps('alice@example.org', 'phone')?.attrs.ver);
  });
});
