/**
 * XEP-0115 entity capabilities in the presences the gateway sends for its domain and for the
 * contacts of networks without presence (SMS, email): clients learn what a contact carries from
 * the `ver` hash and ask disco#info on `node#ver` once per hash (disco.ts answers it), instead of
 * assuming. The hash is over the same disco#info the contact answers, so caps cannot claim more.
 */
import { createHash } from 'node:crypto';
import { Element } from 'ltx';
import { NS } from './ns.js';

/** XEP-0115 §4: a URI naming the software. */
export const CAPS_NODE = 'urn:switchboard:caps';

export function isCapsNode(node: string): boolean {
  return node.startsWith(`${CAPS_NODE}#`);
}

const attr = (el: Element, name: string) => (el.attrs[name] as string | undefined) ?? '';
/** XEP-0115 §5.1 orders by "i;octet" collation: compare UTF-8 bytes, not UTF-16 units. */
const octets = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** XEP-0115 §5.1: the verification string of a disco#info `<query/>`, hashed with SHA-1, base64. */
export function capsVer(query: Element): string {
  let s = '';
  const identities = query
    .getChildren('identity')
    .map((i) => `${attr(i, 'category')}/${attr(i, 'type')}/${attr(i, 'xml:lang')}/${attr(i, 'name')}`)
    .sort(octets);
  for (const i of identities) s += `${i}<`;
  for (const f of query.getChildren('feature').map((f) => attr(f, 'var')).sort(octets)) s += `${f}<`;
  const forms = query
    .getChildren('x', NS.data)
    .map((x) => {
      const fields = x.getChildren('field');
      const type = fields.find((f) => f.attrs.var === 'FORM_TYPE')?.getChildText('value') ?? '';
      const rest = fields
        .filter((f) => f.attrs.var !== 'FORM_TYPE')
        .map((f) => ({ name: attr(f, 'var'), values: f.getChildren('value').map((v) => v.getText()).sort(octets) }))
        .sort((a, b) => octets(a.name, b.name));
      return { type, rest };
    })
    .sort((a, b) => octets(a.type, b.type));
  for (const form of forms) {
    s += `${form.type}<`;
    for (const field of form.rest) s += `${field.name}<${field.values.map((v) => `${v}<`).join('')}`;
  }
  return createHash('sha1').update(s, 'utf8').digest('base64');
}

/** The `<c/>` element of a presence (XEP-0115 §4). */
export function capsElement(query: Element): Element {
  return new Element('c', { xmlns: NS.caps, hash: 'sha-1', node: CAPS_NODE, ver: capsVer(query) });
}
