/**
 * A strict XML 1.0 check of serialised stanzas, for the test suite (SWITCHBOARD_XML_AUDIT=1):
 * saxes checks the Char production and namespace well-formedness, which ltx's serialiser and
 * xml-safe.ts are trusted to guarantee. The audit proves that trust on every stanza the
 * gateway sends in the suite. Off (and not even loaded) in production.
 */
import { createRequire } from 'node:module';
import type { SaxesParser as SaxesParserType, SaxesOptions } from 'saxes';

const require = createRequire(import.meta.url);
let Parser: (new (opt: SaxesOptions) => SaxesParserType) | undefined;

export function xmlAuditEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.SWITCHBOARD_XML_AUDIT === '1';
}

/**
 * undefined when `xml` is one well-formed element, else what is wrong. The `stream` prefix is
 * bound as in the XMPP stream a stanza is sent in (RFC 6120 §4.8.5).
 */
export function auditXml(xml: string): string | undefined {
  // saxes is a devDependency: loaded only when the audit runs, i.e. in the test suite.
  Parser ??= (require('saxes') as { SaxesParser: new (opt: SaxesOptions) => SaxesParserType }).SaxesParser;
  const parser = new Parser({ xmlns: true, additionalNamespaces: { stream: 'http://etherx.jabber.org/streams' } });
  let problem: string | undefined;
  parser.on('error', (err) => {
    problem ??= err.message;
  });
  try {
    parser.write(xml).close();
  } catch (err) {
    problem ??= err instanceof Error ? err.message : String(err);
  }
  return problem;
}
