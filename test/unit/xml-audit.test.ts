import { describe, expect, it } from 'vitest';
import { auditXml, xmlAuditEnabled } from '../../src/xmpp/xml-audit.js';
import { checkXmlAudit, watchXmlAudit } from '../helpers/xml-audit-check.js';

describe('the strict XML audit of outgoing stanzas', () => {
  it('accepts well-formed stanzas, xml:lang and stream:error included', () => {
    expect(auditXml(`<message to='a@b' xml:lang='en'><body>naïve 👋 &amp; &#x1F44B;</body></message>`)).toBeUndefined();
    expect(auditXml(`<stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>`)).toBeUndefined();
  });

  it('reports what a server would close the stream for', () => {
    const bad = [
      '<body>\x07</body>', // C0 control (XML 1.0 §2.2 Char)
      '<body>\ufffe</body>',
      '<body>\ud800</body>', // lone surrogate
      '<body>&#x1b;</body>',
      `<body a='x<y'/>`,
      '<body>&bogus;</body>',
      '<message><body></message>',
      '<x:body>unbound prefix</x:body>',
      '<a/><b/>',
    ];
    for (const xml of bad) expect(auditXml(xml), xml).toEqual(expect.any(String));
  });

  it('is on only with SWITCHBOARD_XML_AUDIT=1', () => {
    expect(xmlAuditEnabled({ SWITCHBOARD_XML_AUDIT: '1' })).toBe(true);
    expect(xmlAuditEnabled({})).toBe(false);
    expect(xmlAuditEnabled({ SWITCHBOARD_XML_AUDIT: '0' })).toBe(false);
  });
});

describe('the after-each check of gateway logs', () => {
  it('throws once for each invalid_xml_out a watched gateway logged, naming the stanza, and forgets an exited gateway', () => {
    const lines: Array<Record<string, unknown>> = [{ event: 'online' }];
    let exited = false;
    watchXmlAudit({ label: 'gateway under test', logs: () => lines, finished: () => exited });
    expect(() => checkXmlAudit()).not.toThrow();
    lines.push({ event: 'invalid_xml_out', err: 'Invalid character', xml: '<body>\x07</body>' });
    expect(() => checkXmlAudit()).toThrow(/1 stanza\(s\) that are not well-formed[\s\S]*gateway under test: Invalid character[\s\S]*<body>/);
    // Reported once: the setup file's own afterEach must not fail this test again.
    expect(() => checkXmlAudit()).not.toThrow();
    exited = true;
    lines.push({ event: 'invalid_xml_out', err: 'late', xml: '<a>' });
    expect(() => checkXmlAudit()).toThrow(/late/);
    lines.push({ event: 'invalid_xml_out', err: 'after exit', xml: '<a>' });
    expect(() => checkXmlAudit()).not.toThrow();
  });
});
