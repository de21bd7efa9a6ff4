/**
 * Stanzas exactly as real clients send them (test/fixtures/xmpp/*.xml, each citing its source),
 * filled in for one test: `to`, `type`, `id`, the `target` message id, and the odd `text`/`state`.
 */
import { parse, type Element } from 'ltx';
import { fillTemplate, readFixture } from './fixtures.js';

export type ClientStanza =
  | 'conversations-reply'
  | 'conversations-reaction'
  | 'conversations-retraction'
  | 'conversations-chatstate'
  | 'gajim-retraction'
  | 'gajim-reactions'
  | 'gajim-message-active';

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&apos;');

export interface StanzaValues {
  to: string;
  id: string;
  type?: 'chat' | 'groupchat';
  target?: string;
  text?: string;
  state?: string;
}

export function clientStanza(name: ClientStanza, values: StanzaValues): Element {
  const template = readFixture(`xmpp/${name}.xml`).replace(/<!--[\s\S]*?-->\s*/g, '').trim();
  const filled: Record<string, string> = { type: 'chat', target: 'target-id', text: '', state: 'composing', ...values };
  return parse(fillTemplate(template, Object.fromEntries(Object.entries(filled).map(([k, v]) => [k, escapeXml(v)]))));
}
