/**
 * ltx elements ⇄ core model. Decoding (decode.ts, re-exported here) produces `Outbound` events
 * from a user's stanzas to the component; encoding turns `Inbound` events into stanzas from the
 * component.
 */
import { randomUUID } from 'node:crypto';
import { Element } from 'ltx';
import type { Inbound, MucUser } from '../core/model.js';
import { errorElement } from './errors.js';
import { NS } from './ns.js';

export { decodeMessage, decodeRoomPresence, type Route } from './decode.js';

function mucUserElement(muc: MucUser): Element {
  const x = new Element('x', { xmlns: NS.mucUser });
  const item = x.c('item', {
    affiliation: muc.affiliation,
    role: muc.role,
    ...(muc.jid ? { jid: muc.jid } : {}),
    ...(muc.nick ? { nick: muc.nick } : {}),
  });
  if (muc.actor) item.c('actor', { nick: muc.actor });
  if (muc.reason) item.c('reason').t(muc.reason);
  for (const code of muc.codes) x.c('status', { code: String(code) });
  return x;
}

/**
 * An inbound item as the outbox stores it: the event as its bridge gave it, and the ids its stanza
 * is sent with, fixed once (see `withStanzaIds`).
 */
export type InboundItem = Inbound & { ids?: { id: string; originId?: string } };

/**
 * The ids an inbound item's stanza carries, fixed when the item is enqueued (before its commit),
 * so every attempt, a bounce retry and a redelivery after a crash send the same `id`, XEP-0359
 * `origin-id` and `stanza-id`, and clients and archives can drop the copy (design.md §5). What the
 * bridge set wins (a reflection carries the sender's id and origin-id; an IRC room message the
 * stanza-id it was archived under, which is in the event already). A message gets `newId()` as
 * `id` and as `origin-id` (XEP-0359 §3: set by the originating entity, here the gateway; kept
 * where a server or an archive replaces the `id`); other kinds get `newId()` as their stanza's
 * own `id` (a receipt's or an error's `id` names the stanza it is about); presences carry none.
 */
export function withStanzaIds(event: Inbound, newId: () => string = randomUUID): InboundItem {
  if (event.kind === 'presence') return event;
  if (event.kind === 'message') {
    const id = event.id ?? newId();
    return { ...event, ids: { id, originId: event.originId ?? id } };
  }
  return { ...event, ids: { id: newId() } };
}

/** A reply target's JID: a local part with an optional resource, on the component domain. */
export function replyJid(target: string, domain: string): string {
  const slash = target.indexOf('/');
  const local = slash < 0 ? target : target.slice(0, slash);
  const resource = slash < 0 ? '' : target.slice(slash);
  return `${local ? `${local}@${domain}` : domain}${resource}`;
}

/** An inbound event as a stanza from the component domain. */
export function encodeInbound(item: InboundItem, domain: string): Element {
  const event: Inbound = item;
  // Items stored before ids were fixed at enqueue (or events never enqueued) get a fresh one.
  const ownId = item.ids?.id ?? randomUUID();
  const fromBare = event.from ? `${event.from}@${domain}` : domain;
  const from = event.fromResource ? `${fromBare}/${event.fromResource}` : fromBare;
  const to = event.toResource ? `${event.user}/${event.toResource}` : event.user;
  switch (event.kind) {
    case 'message': {
      const msg = new Element('message', { from, to, type: event.type, id: event.id ?? ownId });
      if (event.subject !== undefined) msg.c('subject').t(event.subject);
      // XEP-0424 §6: a retracted message from an archive (join history) is a tombstone, no body.
      if (event.retracted) msg.c('retracted', { xmlns: NS.retract, ...(event.retracted.id ? { id: event.retracted.id } : {}), stamp: event.retracted.stamp });
      else msg.c('body').t(event.body);
      if (event.thread) msg.c('thread').t(event.thread);
      for (const o of event.oob ?? []) {
        const x = msg.c('x', { xmlns: NS.oob });
        x.c('url').t(o.url);
        if (o.desc) x.c('desc').t(o.desc);
      }
      if (event.replaces) msg.c('replace', { xmlns: NS.correct, id: event.replaces });
      if (event.replyTo) msg.c('reply', { xmlns: NS.reply, id: event.replyTo.id, ...(event.replyTo.to ? { to: replyJid(event.replyTo.to, domain) } : {}) });
      if (event.requestReceipt) msg.c('request', { xmlns: NS.receipts });
      if (event.stanzaId) msg.c('stanza-id', { xmlns: NS.sid, by: fromBare, id: event.stanzaId });
      const originId = event.originId ?? item.ids?.originId;
      if (originId) msg.c('origin-id', { xmlns: NS.sid, id: originId });
      if (event.delay) msg.c('delay', { xmlns: NS.delay, from: fromBare, stamp: event.delay });
      return msg;
    }
    case 'retraction': {
      // XEP-0424 §4: <retract id/> names the retracted message; the body is the XEP-0428
      // fallback for clients without it, and the hint asks archives to keep the tombstone.
      const msg = new Element('message', { from, to, type: event.type, id: event.id ?? ownId });
      msg.c('retract', { xmlns: NS.retract, id: event.retracts });
      msg.c('fallback', { xmlns: NS.fallback, for: NS.retract });
      msg.c('body').t('This person attempted to retract a previous message, but it is unsupported by your client.');
      msg.c('store', { xmlns: NS.hints });
      if (event.stanzaId) msg.c('stanza-id', { xmlns: NS.sid, by: fromBare, id: event.stanzaId });
      return msg;
    }
    case 'reaction': {
      // XEP-0444 §3: the whole current set of the sender's reactions to the message `id`.
      const msg = new Element('message', { from, to, type: event.type, id: event.id ?? ownId });
      const r = msg.c('reactions', { xmlns: NS.reactions, id: event.reactsTo });
      for (const e of event.emojis) r.c('reaction').t(e);
      msg.c('store', { xmlns: NS.hints });
      if (event.stanzaId) msg.c('stanza-id', { xmlns: NS.sid, by: fromBare, id: event.stanzaId });
      return msg;
    }
    case 'chatstate': {
      // XEP-0085 §5.5: a standalone notification; XEP-0334 no-store keeps it out of archives.
      const msg = new Element('message', { from, to, type: event.type, id: ownId });
      msg.c(event.state, { xmlns: NS.chatStates });
      msg.c('no-store', { xmlns: NS.hints });
      return msg;
    }
    case 'subject': {
      const msg = new Element('message', { from, to, type: 'groupchat', id: ownId });
      msg.c('subject').t(event.subject);
      return msg;
    }
    case 'presence': {
      const pres = new Element('presence', { from, to, ...(event.type === 'unavailable' ? { type: 'unavailable' } : {}) });
      if (event.show) pres.c('show').t(event.show);
      if (event.status) pres.c('status').t(event.status);
      if (event.muc) pres.cnode(mucUserElement(event.muc));
      return pres;
    }
    case 'receipt': {
      if (event.state === 'failed' && !event.toResource) {
        // Servers drop error messages to a bare JID (RFC 6121 §8.5.2.1.1): say it in words instead.
        const msg = new Element('message', { from, to, type: 'chat', id: ownId });
        msg.c('body').t(`⚠ Your message was not delivered${event.text ? `: ${event.text}` : '.'}`);
        return msg;
      }
      if (event.state === 'failed') {
        // The original message bounces with its own id so clients mark it failed (RFC 6120 §8.2).
        const msg = new Element('message', { from, to, type: 'error', id: event.id });
        msg.cnode(errorElement(event.condition ?? 'recipient-unavailable', 'cancel', event.text));
        return msg;
      }
      // XEP-0184 §5: <received id='…'/> acknowledges the message with that id.
      const msg = new Element('message', { from, to, id: ownId });
      msg.c(event.state === 'delivered' ? 'received' : 'sent', { xmlns: NS.receipts, id: event.id });
      return msg;
    }
    case 'invite': {
      const msg = new Element('message', { from: fromBare, to, id: ownId });
      const x = msg.c('x', { xmlns: NS.mucUser });
      const inv = x.c('invite', event.inviter ? { from: `${fromBare}/${event.inviter}` } : {});
      if (event.reason) inv.c('reason').t(event.reason);
      if (event.password) x.c('password').t(event.password);
      return msg;
    }
    case 'error': {
      if (event.stanza === 'message' && !event.toResource) {
        const msg = new Element('message', { from, to, type: 'chat', id: ownId });
        msg.c('body').t(`⚠ Your message was not delivered${event.text ? `: ${event.text}` : ` (${event.condition})`}`);
        return msg;
      }
      const stanza = new Element(event.stanza, { from, to, type: 'error', ...(event.id ? { id: event.id } : {}) });
      if (event.mucJoin) stanza.c('x', { xmlns: NS.muc });
      stanza.cnode(errorElement(event.condition, event.errorType ?? 'cancel', event.text));
      return stanza;
    }
  }
}
