/**
 * biboumi (Debian `biboumi`, /usr/bin/biboumi <config>) as a component of the bench's Prosody,
 * spawned directly (no shell) so its pid is biboumi's own for /proc CPU and VmRSS; and the
 * XEP-0050 ad-hoc helper the bench uses to configure it (ports, throttle_limit, record_history).
 * Its answers wait up to 60 s: under a loaded machine biboumi answered the first `configure` of a
 * 200-user run after more than 10 s.
 */
import { xml } from '@xmpp/client';
import type { Element } from 'ltx';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireBinary } from '../../test/helpers/binaries.js';
import { logTail, startDaemon, type Daemon } from '../../test/helpers/daemon.js';
import { sleep } from '../../test/helpers/wait.js';
import type { TestClient } from '../../test/helpers/xmpp-client.js';

const NS_COMMANDS = 'http://jabber.org/protocol/commands';
const NS_DATA = 'jabber:x:data';

export interface BiboumiOptions {
  dir: string;
  domain: string;
  secret: string;
  componentPort: number;
  /** The SQLite file; reuse it across restarts to keep users' settings. */
  dbFile: string;
}

export function startBiboumi(opts: BiboumiOptions): Daemon {
  const bin = requireBinary('biboumi', 'biboumi');
  const configFile = join(opts.dir, 'biboumi.cfg');
  writeFileSync(
    configFile,
    [
      `hostname=${opts.domain}`,
      `password=${opts.secret}`,
      'xmpp_server_ip=127.0.0.1',
      `port=${opts.componentPort}`,
      `db_name=${opts.dbFile}`,
      // warnings only: its default (debug) logs every line it reads and writes.
      'log_level=2',
      // 113 needs privileges and is not what we measure.
      'identd_port=0',
      `policy_directory=${opts.dir}`,
      'realname_customization=true',
      '',
    ].join('\n'),
  );
  return startDaemon('biboumi', bin, [configFile], { cwd: opts.dir, logFile: join(opts.dir, 'biboumi.log') });
}

/** Wait until a component answers disco#info (it is connected to the XMPP server). */
export async function waitComponentOnline(client: TestClient, domain: string, daemon: Daemon, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!daemon.running()) throw new Error(`${daemon.name} exited:\n${logTail(daemon.logFile)}`);
    // After a run with 1000 users, Prosody may still be delivering the last one's presences:
    // an unanswered query is asked again, until the deadline.
    const reply = await client.iq(xml('iq', { type: 'get', to: domain }, xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' })), 5000).catch(() => undefined);
    if (reply?.attrs['type'] === 'result') return;
    await sleep(100);
  }
  throw new Error(`${domain} did not come online:\n${logTail(daemon.logFile)}`);
}

/**
 * Run a one-step form command: execute, then submit every field of the returned form with
 * `overrides` replacing the values of the fields it names (a missing field is an error unless
 * listed in `optional`). Returns the submitted values.
 */
export async function runFormCommand(
  client: TestClient,
  to: string,
  node: string,
  overrides: Record<string, string[]>,
  optional: readonly string[] = [],
): Promise<Record<string, string[]>> {
  const first = await client.iq(xml('iq', { type: 'set', to }, xml('command', { xmlns: NS_COMMANDS, node, action: 'execute' })), 60_000);
  const command = first.getChild('command', NS_COMMANDS);
  const form = command?.getChild('x', NS_DATA);
  if (first.attrs['type'] !== 'result' || !command || !form) throw new Error(`${node} on ${to}: no form: ${first.toString()}`);
  const values: Record<string, string[]> = {};
  for (const field of form.getChildren('field')) {
    const name = field.attrs['var'] as string | undefined;
    if (!name || field.attrs['type'] === 'fixed') continue;
    values[name] = field.getChildren('value').map((v: Element) => v.getText());
  }
  for (const name of Object.keys(overrides)) {
    if (!(name in values) && optional.includes(name)) continue;
    if (!(name in values)) throw new Error(`${node} on ${to}: the form has no field ${name} (fields: ${Object.keys(values).join(', ')})`);
    values[name] = overrides[name]!;
  }
  const submit = xml(
    'x',
    { xmlns: NS_DATA, type: 'submit' },
    ...Object.entries(values).map(([name, vals]) => xml('field', { var: name }, ...vals.map((v) => xml('value', {}, v)))),
  );
  const second = await client.iq(
    xml('iq', { type: 'set', to }, xml('command', { xmlns: NS_COMMANDS, node, sessionid: command.attrs['sessionid'] as string, action: 'complete' }, submit)),
    60_000,
  );
  const done = second.getChild('command', NS_COMMANDS);
  const note = done?.getChild('note');
  if (second.attrs['type'] !== 'result' || note?.attrs['type'] === 'error') throw new Error(`${node} on ${to} failed: ${second.toString()}`);
  return values;
}
