/** Small readers for asserting on stanzas in tests (structure, never strings). */
import type { Element } from 'ltx';

export const NS_STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas';

/** The RFC 6120 §8.3 condition of an error stanza, e.g. 'forbidden'. */
export function errorCondition(el: Element): string | undefined {
  return el
    .getChild('error')
    ?.getChildElements()
    .find((c) => c.attrs.xmlns === NS_STANZAS && c.name !== 'text')?.name;
}

/** The human-readable text of an error stanza. */
export function errorText(el: Element): string | undefined {
  return el.getChild('error')?.getChildText('text', NS_STANZAS) ?? undefined;
}
