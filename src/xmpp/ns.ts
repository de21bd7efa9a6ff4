/** XML namespaces used by the gateway, with the spec that defines each. */
export const NS = {
  component: 'jabber:component:accept', // XEP-0114
  client: 'jabber:client',
  stanzas: 'urn:ietf:params:xml:ns:xmpp-stanzas', // RFC 6120 §8.3
  discoInfo: 'http://jabber.org/protocol/disco#info', // XEP-0030
  discoItems: 'http://jabber.org/protocol/disco#items',
  version: 'jabber:iq:version', // XEP-0092
  ping: 'urn:xmpp:ping', // XEP-0199
  commands: 'http://jabber.org/protocol/commands', // XEP-0050
  data: 'jabber:x:data', // XEP-0004
  gateway: 'jabber:iq:gateway', // XEP-0100
  receipts: 'urn:xmpp:receipts', // XEP-0184
  oob: 'jabber:x:oob', // XEP-0066
  sid: 'urn:xmpp:sid:0', // XEP-0359
  correct: 'urn:xmpp:message-correct:0', // XEP-0308
  delay: 'urn:xmpp:delay', // XEP-0203
  chatStates: 'http://jabber.org/protocol/chatstates', // XEP-0085
  muc: 'http://jabber.org/protocol/muc', // XEP-0045
  mucUser: 'http://jabber.org/protocol/muc#user',
  mucAdmin: 'http://jabber.org/protocol/muc#admin',
  mucOwner: 'http://jabber.org/protocol/muc#owner',
  rsm: 'http://jabber.org/protocol/rsm', // XEP-0059
  hints: 'urn:xmpp:hints', // XEP-0334
  caps: 'http://jabber.org/protocol/caps', // XEP-0115
  retract: 'urn:xmpp:message-retract:1', // XEP-0424
  reactions: 'urn:xmpp:reactions:0', // XEP-0444
  reply: 'urn:xmpp:reply:0', // XEP-0461
  fallback: 'urn:xmpp:fallback:0', // XEP-0428
  styling: 'urn:xmpp:styling:0', // XEP-0393
} as const;
