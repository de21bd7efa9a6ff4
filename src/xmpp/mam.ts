/**
 * XEP-0313 message archive management on a bridge's conversations (rooms and private chats) from
 * the core's archive: an address whose `resolve` names an `archive` conversation answers the query
 * form (start, end, with) with XEP-0059 paging; each archived message is sent as a `<result/>`
 * message, then the iq result carries `<fin/>` (XEP-0313 §4.1, §4.3).
 */
import { Element } from 'ltx';
import type { Bridge, PageRequest } from '../core/bridge.js';
import type { CoreArchive } from '../core/archive.js';
import { StanzaError } from '../core/errors.js';
import { readSubmittedValues } from './forms.js';
import type { IqRouter } from './iq.js';
import { NS } from './ns.js';
import { replyJid } from './stanza.js';

const MAM = 'urn:xmpp:mam:2';
const FORWARD = 'urn:xmpp:forward:0';

function isoOrThrow(value: string | undefined, name: string): string | undefined {
  if (value === undefined || value === '') return undefined;
  const t = new Date(value);
  if (Number.isNaN(t.getTime())) throw new StanzaError('bad-request', `${name} is not a date-time (XEP-0082).`);
  return t.toISOString();
}

export function registerMam(router: IqRouter, bridge: Pick<Bridge, 'resolve'>, archive: CoreArchive, domain: string, send: (el: Element) => Promise<void>): void {
  router.register('set', MAM, 'query', async (iq) => {
    const address = bridge.resolve(iq.localpart);
    if (address.archive === undefined) throw new StanzaError('service-unavailable', 'There is no archive here.');
    const values = readSubmittedValues(iq.child) ?? {};
    const start = isoOrThrow(values.start?.[0], 'start');
    const end = isoOrThrow(values.end?.[0], 'end');
    const withJid = values.with?.[0];
    const set = iq.child.getChild('set', NS.rsm);
    const num = (s: string | null | undefined) => (s && /^\d+$/.test(s) ? Number(s) : undefined);
    const page: PageRequest = {};
    const max = num(set?.getChildText('max'));
    const index = num(set?.getChildText('index'));
    const after = set?.getChildText('after');
    const before = set?.getChildText('before');
    if (max !== undefined) page.max = max;
    if (index !== undefined) page.index = index;
    if (after !== null && after !== undefined) page.after = after;
    if (before !== null && before !== undefined) page.before = before;
    const query = { page, ...(start ? { start } : {}), ...(end ? { end } : {}), ...(withJid ? { with: withJid } : {}) };
    const result = archive.query(iq.user, address.archive, query, address.kind === 'room' ? 'groupchat' : 'chat');
    const roomJid = iq.localpart ? `${iq.localpart}@${domain}` : domain;
    const queryid = iq.child.attrs.queryid;
    for (const m of result.messages) {
      const outer = new Element('message', { to: iq.from, from: roomJid, id: `mam-${m.id}` });
      const forwarded = outer.c('result', { xmlns: MAM, id: m.id, ...(queryid ? { queryid } : {}) }).c('forwarded', { xmlns: FORWARD });
      forwarded.c('delay', { xmlns: NS.delay, stamp: m.stamp });
      const sender = m.from ? `${m.from}@${domain}` : roomJid;
      // XEP-0313 §5.1.2: an archived message keeps its original from and to; the user's own
      // message in a private conversation was from the user to the contact.
      const addressing = m.outgoing
        ? { from: iq.user, to: roomJid }
        : { from: m.fromResource ? `${sender}/${m.fromResource}` : sender, to: iq.user };
      const inner = forwarded.c('message', { xmlns: NS.client, ...addressing, type: m.type, id: m.id });
      if (m.retracted) {
        // XEP-0424 §6: the archive serves a tombstone in place of the retracted message's
        // contents (no body, no reference that could leak it), with its origin-id kept.
        inner.c('retracted', { xmlns: NS.retract, ...(m.retracted.id ? { id: m.retracted.id } : {}), stamp: m.retracted.stamp });
      } else {
        inner.c('body').t(m.body);
        // XEP-0461 §3: the reference is part of the archived message.
        if (m.replyTo) inner.c('reply', { xmlns: NS.reply, id: m.replyTo.id, ...(m.replyTo.to ? { to: replyJid(m.replyTo.to, domain) } : {}) });
      }
      if (m.originId) inner.c('origin-id', { xmlns: NS.sid, id: m.originId });
      await send(outer);
    }
    const fin = new Element('fin', { xmlns: MAM, ...(result.complete ? { complete: 'true' } : {}) });
    const rsm = fin.c('set', { xmlns: NS.rsm });
    const first = result.messages[0];
    const last = result.messages[result.messages.length - 1];
    if (first) rsm.c('first', result.firstIndex !== undefined ? { index: String(result.firstIndex) } : {}).t(first.id);
    if (last) rsm.c('last').t(last.id);
    if (result.count !== undefined) rsm.c('count').t(String(result.count));
    return fin;
  });
}
