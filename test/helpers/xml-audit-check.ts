/**
 * The suite-wide XML audit (issue 9): every gateway a test starts runs with
 * SWITCHBOARD_XML_AUDIT=1 and logs `invalid_xml_out` for a stanza it sent that a strict XML 1.0
 * parser refuses. Helpers that start a gateway register its logs here; test/setup/xml-audit.ts
 * checks them after every test and fails the test that saw such a stanza.
 */

/** What the check reads: a gateway's parsed log lines, and whether it can log any more. */
export interface LogSource {
  label: string;
  logs(): Array<Record<string, unknown>>;
  finished(): boolean;
}

interface Watched {
  source: LogSource;
  /** Log lines already checked. */
  seen: number;
}

// On globalThis, not in a module variable: the setup file and a test file share it even if
// they were to load this module as two instances.
const KEY = Symbol.for('switchboard.xmlAudit.sources');
type Registry = Set<Watched>;
function registry(): Registry {
  const g = globalThis as { [KEY]?: Registry };
  return (g[KEY] ??= new Set());
}

export function watchXmlAudit(source: LogSource): void {
  registry().add({ source, seen: 0 });
}

/**
 * Throws when a watched gateway logged `invalid_xml_out` since the last check (each event is
 * reported once). Gateways that have exited are forgotten once checked.
 */
/** A log field as text: strings as they are, anything else as JSON. */
function logText(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
}

export function checkXmlAudit(): void {
  const problems: string[] = [];
  for (const watched of registry()) {
    const finished = watched.source.finished();
    const lines = watched.source.logs();
    for (const line of lines.slice(watched.seen)) {
      if (line.event === 'invalid_xml_out') problems.push(`${watched.source.label}: ${logText(line.err)}\n    ${logText(line.xml)}`);
    }
    watched.seen = lines.length;
    if (finished) registry().delete(watched);
  }
  if (problems.length) {
    throw new Error(`the gateway sent ${problems.length} stanza(s) that are not well-formed XML 1.0 (invalid_xml_out):\n  ${problems.join('\n  ')}`);
  }
}
