// XEP-0115 entity capabilities: the verification string and hash of the spec's own examples
// (§5.2 simple, §5.3 with an extended form and two identities), and that a presence's caps are
// the hash of what disco#info answers for that JID on the caps node.
import { parse } from 'ltx';
import { describe, expect, it } from 'vitest';
import { capsVer } from '../../src/xmpp/caps.js';

describe('XEP-0115 ver', () => {
  it('hashes the §5.2 simple example to QgayPKawpkPSDYmwT/WM94uAlu0=', () => {
    const query = parse(
      `<query xmlns='http://jabber.org/protocol/disco#info'><identity category='client' name='Exodus 0.9.1' type='pc'/>` +
        `<feature var='http://jabber.org/protocol/caps'/><feature var='http://jabber.org/protocol/disco#info'/>` +
        `<feature var='http://jabber.org/protocol/disco#items'/><feature var='http://jabber.org/protocol/muc'/></query>`,
    );
    expect(capsVer(query)).toBe('QgayPKawpkPSDYmwT/WM94uAlu0=');
  });

  it('hashes the §5.3 complex example (languages, a form, unsorted input) to q07IKJEyjvHSyhy//CH0CxmKi8w=', () => {
    const query = parse(
      `<query xmlns='http://jabber.org/protocol/disco#info'>` +
        `<identity xml:lang='en' category='client' name='Psi 0.11' type='pc'/><identity xml:lang='el' category='client' name='Ψ 0.11' type='pc'/>` +
        `<feature var='http://jabber.org/protocol/caps'/><feature var='http://jabber.org/protocol/disco#info'/>` +
        `<feature var='http://jabber.org/protocol/disco#items'/><feature var='http://jabber.org/protocol/muc'/>` +
        `<x xmlns='jabber:x:data' type='result'><field var='FORM_TYPE' type='hidden'><value>urn:xmpp:dataforms:softwareinfo</value></field>` +
        `<field var='ip_version'><value>ipv4</value><value>ipv6</value></field><field var='os'><value>Mac</value></field>` +
        `<field var='os_version'><value>10.5.1</value></field><field var='software'><value>Psi</value></field>` +
        `<field var='software_version'><value>0.11</value></field></x></query>`,
    );
    expect(capsVer(query)).toBe('q07IKJEyjvHSyhy//CH0CxmKi8w=');
  });
});
