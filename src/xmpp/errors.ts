/** StanzaError ⇄ `<error/>` (RFC 6120 §8.3): condition names verbatim, texts in English. */
import { Element } from 'ltx';
import type { StanzaError } from '../core/errors.js';
import type { ErrorCondition, ErrorType } from '../core/model.js';
import { NS } from './ns.js';

export function errorElement(condition: ErrorCondition, type: ErrorType, text?: string, by?: string): Element {
  const error = new Element('error', by ? { type, by } : { type });
  error.c(condition, { xmlns: NS.stanzas });
  if (text) error.c('text', { xmlns: NS.stanzas, 'xml:lang': 'en' }).t(text);
  return error;
}

export function stanzaErrorElement(err: StanzaError): Element {
  return errorElement(err.condition, err.type, err.message);
}

/**
 * An error reply to `stanza` (RFC 6120 §8.2): addresses swapped, same id, the original payload
 * not echoed (we only keep what identifies the request), type='error'.
 */
export function errorReply(stanza: Element, err: { condition: ErrorCondition; type: ErrorType; message: string }, keep: Element[] = []): Element {
  const reply = new Element(stanza.name, {
    type: 'error',
    from: stanza.attrs.to,
    to: stanza.attrs.from,
    ...(stanza.attrs.id !== undefined ? { id: stanza.attrs.id } : {}),
  });
  for (const el of keep) reply.cnode(el);
  reply.cnode(errorElement(err.condition, err.type, err.message));
  return reply;
}

/** Read the condition and text of an `<error/>` child, if any. */
export function readError(stanza: Element): { condition: string; text?: string } | undefined {
  const error = stanza.getChild('error');
  if (!error) return undefined;
  const condition = error.getChildElements().find((c) => c.attrs.xmlns === NS.stanzas && c.name !== 'text')?.name ?? 'undefined-condition';
  const text = error.getChildText('text', NS.stanzas) ?? undefined;
  return text ? { condition, text } : { condition };
}
