/**
 * iq routing by (type, namespace, child name), the way xmpp.js's iq callee does it. Unknown
 * get/set → service-unavailable (RFC 6120 §8.4); a StanzaError from a handler → that error;
 * anything else → internal-server-error. Results and errors are never answered (RFC 6120 §8.2.3).
 */
import { Element } from 'ltx';
import type { Logger } from 'pino';
import { isStanzaError, StanzaError, toStanzaError } from '../core/errors.js';
import { errorReply } from './errors.js';

export interface IqContext {
  stanza: Element;
  /** The payload child (e.g. `<query xmlns='…disco#info'/>`). */
  child: Element;
  /** Sender bare JID and resource. */
  user: string;
  resource: string;
  from: string;
  /** Local part and resource of the `to` JID on our domain. */
  localpart: string;
  toResource: string;
}

/** A handler's way of saying "no reply now: it is sent later" (e.g. after the outbox ran it). */
export const DEFERRED: unique symbol = Symbol('deferred');

/** A handler returns the payload of the result (or nothing for an empty result), or DEFERRED. */
export type IqHandler = (iq: IqContext) => Promise<Element | undefined | typeof DEFERRED> | Element | undefined | typeof DEFERRED;

export class IqRouter {
  private readonly handlers = new Map<string, IqHandler>();

  constructor(private readonly log: Logger) {}

  register(type: 'get' | 'set', xmlns: string, child: string, handler: IqHandler): void {
    this.handlers.set(`${type} ${xmlns} ${child}`, handler);
  }

  /** The reply to an iq get/set (result or error); undefined for result/error iqs. */
  async dispatch(iq: Omit<IqContext, 'child'>): Promise<Element | undefined> {
    const { stanza } = iq;
    const type = stanza.attrs.type;
    if (type !== 'get' && type !== 'set') return undefined;
    const children = stanza.getChildElements();
    const child = children[0];
    // RFC 6120 §8.2.3: an iq get/set contains exactly one payload element.
    if (!child || children.length !== 1) {
      return errorReply(stanza, new StanzaError('bad-request', 'An iq get or set carries exactly one payload.'));
    }
    const handler = this.handlers.get(`${type} ${child.attrs.xmlns ?? ''} ${child.name}`);
    if (!handler) {
      return errorReply(stanza, new StanzaError('service-unavailable', `${child.attrs.xmlns ?? child.name} is not supported here.`));
    }
    try {
      const payload = await handler({ ...iq, child });
      if (payload === DEFERRED) return undefined;
      const result = new Element('iq', { type: 'result', from: stanza.attrs.to, to: stanza.attrs.from, id: stanza.attrs.id });
      if (payload) result.cnode(payload);
      return result;
    } catch (err) {
      const error = toStanzaError(err);
      if (!isStanzaError(err)) this.log.error({ event: 'bug', err, xmlns: child.attrs.xmlns }, 'iq handler failed');
      // XEP-0050 §4.6: command errors keep the <command/> element so clients know which one failed.
      const keep = child.name === 'command' ? [new Element('command', { xmlns: child.attrs.xmlns, node: child.attrs.node ?? '' })] : [];
      return errorReply(stanza, error, keep);
    }
  }
}
