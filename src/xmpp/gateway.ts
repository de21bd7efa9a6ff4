/**
 * XEP-0100 §6.3 gateway interaction (`jabber:iq:gateway`): a get returns the prompt, a set turns
 * what the user typed (a phone number, an email address) into the contact's JID.
 */
import { Element } from 'ltx';
import type { Bridge } from '../core/bridge.js';
import { StanzaError } from '../core/errors.js';
import type { IqRouter } from './iq.js';
import { NS } from './ns.js';

export function registerGateway(router: IqRouter, bridge: Bridge, domain: string): void {
  const gw = bridge.gateway;
  if (!gw) return;
  router.register('get', NS.gateway, 'query', () => {
    const q = new Element('query', { xmlns: NS.gateway });
    q.c('desc').t(gw.desc);
    q.c('prompt').t(gw.prompt);
    return q;
  });
  router.register('set', NS.gateway, 'query', (iq) => {
    const typed = iq.child.getChildText('prompt')?.trim();
    if (!typed) throw new StanzaError('bad-request', 'Put the address in <prompt/>.');
    const localpart = gw.toLocalpart(typed);
    const q = new Element('query', { xmlns: NS.gateway });
    // XEP-0100 §6.3.2 names the result <jid/>; older clients read <prompt/>, so send both.
    q.c('jid').t(`${localpart}@${domain}`);
    q.c('prompt').t(`${localpart}@${domain}`);
    return q;
  });
}
