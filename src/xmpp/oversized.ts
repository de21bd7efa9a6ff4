/**
 * What the gateway answers for a stanza it skipped because it was over `xmpp.max_stanza_size`
 * (stream-parser.ts): the sender learns that and why, with the id of what it sent.
 */
import { Element } from 'ltx';
import { StanzaError } from '../core/errors.js';
import { errorElement, errorReply } from './errors.js';
import { parseJid } from './jid.js';
import type { OversizedStanza } from './stream-parser.js';

function tooLarge(stanza: OversizedStanza, limit: number): StanzaError {
  return new StanzaError('policy-violation', `This stanza is ${stanza.size} bytes; the gateway accepts at most ${limit}.`);
}

/**
 * The error reply (RFC 6120 §8.3: same kind and id, addresses swapped; policy-violation, type
 * modify), or undefined when nothing may be answered: an error stanza (§8.3.1), an iq result or
 * error (§8.2.3), an iq without a valid type, something that is not a stanza, or a stanza whose
 * addresses could not be read or are not on our domain (a reply from a foreign domain would get
 * the component's stream closed: Prosody's validate_from_addresses).
 */
export function oversizedReply(stanza: OversizedStanza, limit: number, domain: string): Element | undefined {
  const { name, attrs } = stanza;
  if (name !== 'message' && name !== 'presence' && name !== 'iq') return undefined;
  if (attrs.type === 'error') return undefined;
  if (name === 'iq' && attrs.type !== 'get' && attrs.type !== 'set') return undefined;
  const from = attrs.from === undefined ? undefined : parseJid(attrs.from);
  const to = attrs.to === undefined ? undefined : parseJid(attrs.to);
  if (!from || !to || to.domain !== domain) return undefined;
  return errorReply(new Element(name, { ...attrs }), tooLarge(stanza, limit));
}

/**
 * An oversized iq result or error may answer a query of ours (iq-client.ts): this error in its
 * place fails that query now instead of at its timeout.
 */
export function oversizedResponse(stanza: OversizedStanza, limit: number): Element | undefined {
  const { name, attrs } = stanza;
  if (name !== 'iq' || (attrs.type !== 'result' && attrs.type !== 'error') || attrs.id === undefined || attrs.from === undefined) return undefined;
  const err = tooLarge(stanza, limit);
  return new Element('iq', { type: 'error', id: attrs.id, from: attrs.from, ...(attrs.to !== undefined ? { to: attrs.to } : {}) }).cnode(
    errorElement(err.condition, err.type, `The answer was ${stanza.size} bytes; the gateway accepts at most ${limit}.`),
  ).root();
}
