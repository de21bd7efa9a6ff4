/**
 * IRCv3 behaviour for the scripted fake IRC server (fake-irc-server.ts), where no Debian IRC server
 * has it: ngircd, InspIRCd 3, ircd-hybrid, irc2 and ircu have neither `draft/chathistory` nor
 * `draft/multiline` (Ergo, soju and ZNC's playback module do; none is packaged in Debian). Passed as
 * the fake's `onLine`:
 *
 * - `CHATHISTORY AFTER <target> msgid=…|timestamp=… <limit>` answered from `history` with a
 *   `BATCH +ref chathistory <target>` (https://ircv3.net/specs/extensions/chathistory), a msgid
 *   not in `history` with `FAIL CHATHISTORY INVALID_MSGREFID`, and
 *   `CHATHISTORY TARGETS` with a `draft/chathistory-targets` batch;
 * - echo-message: a PRIVMSG echoed with msgid, time and its label; a client multiline batch
 *   (https://ircv3.net/specs/extensions/multiline) echoed as a server batch, the label on its
 *   opening line; every PRIVMSG the client sends is also added to `history`, as a real server keeps it.
 */
import type { FakeIrcClient } from './fake-irc-server.js';

export interface FakeHistoryMessage {
  /** A channel, or the recipient's nick. */
  target: string;
  from: string;
  text: string;
  msgid: string;
  /** ISO 8601 with milliseconds. */
  time: string;
  /** Client tags it was sent with (`+draft/reply=…`), replayed with it. */
  tags?: string;
}

export interface FakeIrcv3 {
  history: FakeHistoryMessage[];
  /** CHATHISTORY commands received, as sent. */
  requests: string[];
  onLine(client: FakeIrcClient, line: string): boolean;
  /** A message from `from` to `target` now: kept in the history and, when `client` is given, sent to it live. */
  say(from: string, target: string, text: string, client?: FakeIrcClient): FakeHistoryMessage;
}

interface Parsed {
  tags: Map<string, string>;
  command: string;
  params: string[];
}

function parse(line: string): Parsed {
  const tags = new Map<string, string>();
  let rest = line;
  if (rest.startsWith('@')) {
    const sp = rest.indexOf(' ');
    for (const kv of rest.slice(1, sp).split(';')) {
      const eq = kv.indexOf('=');
      tags.set(eq === -1 ? kv : kv.slice(0, eq), eq === -1 ? '' : kv.slice(eq + 1));
    }
    rest = rest.slice(sp + 1);
  }
  const colon = rest.indexOf(' :');
  const head = (colon === -1 ? rest : rest.slice(0, colon)).split(' ').filter(Boolean);
  const params = colon === -1 ? head.slice(1) : [...head.slice(1), rest.slice(colon + 2)];
  return { tags, command: (head[0] ?? '').toUpperCase(), params };
}

const lower = (s: string) => s.toLowerCase();

export function fakeIrcv3(opts: { echo?: boolean; history?: FakeHistoryMessage[] } = {}): FakeIrcv3 {
  const history = opts.history ?? [];
  const requests: string[] = [];
  let seq = 0;
  const multiline = new Map<string, { target: string; label?: string; parts: Array<{ text: string; concat: boolean }> }>();
  const message = (from: string, target: string, text: string): FakeHistoryMessage => {
    const m = { target, from, text, msgid: `fake-${++seq}`, time: new Date(Date.now() + seq).toISOString() };
    history.push(m);
    return m;
  };
  const wire = (m: FakeHistoryMessage, extra = '') =>
    `@${extra}${m.tags ? `${m.tags};` : ''}msgid=${m.msgid};time=${m.time} :${m.from}!u@fake.host PRIVMSG ${m.target} :${m.text}`;
  /** The messages of one conversation as `client` sees it: a channel's, or those between it and a nick. */
  const conversation = (client: FakeIrcClient, target: string) =>
    history.filter((m) =>
      target.startsWith('#')
        ? lower(m.target) === lower(target)
        : (lower(m.from) === lower(target) && lower(m.target) === lower(client.nick)) ||
          (lower(m.from) === lower(client.nick) && lower(m.target) === lower(target)),
    );
  function chathistory(client: FakeIrcClient, p: string[]): void {
    const [sub = '', a = '', b = '', c = ''] = p;
    const ref = `h${++seq}`;
    if (sub.toUpperCase() === 'TARGETS') {
      const from = Date.parse(a.replace('timestamp=', ''));
      const to = Date.parse(b.replace('timestamp=', ''));
      const latest = new Map<string, string>();
      for (const m of history) {
        const t = Date.parse(m.time);
        if (t <= Math.min(from, to) || t > Math.max(from, to)) continue;
        const name = m.target.startsWith('#') ? m.target : lower(m.from) === lower(client.nick) ? m.target : m.from;
        latest.set(name, m.time);
      }
      client.line(`:fake.irc BATCH +${ref} draft/chathistory-targets`);
      for (const [name, time] of [...latest].slice(0, Number(c))) client.line(`@batch=${ref} :fake.irc CHATHISTORY TARGETS ${name} ${time}`);
      client.line(`:fake.irc BATCH -${ref}`);
      return;
    }
    const all = conversation(client, a);
    // AFTER: strictly after the message named (an unknown msgid: nothing), or after the time.
    const byMsgid = b.startsWith('msgid=');
    const at = byMsgid ? all.findIndex((m) => m.msgid === b.slice(6)) : all.findIndex((m) => m.time > b.slice('timestamp='.length)) - 1;
    const start = byMsgid && at === -1 ? all.length : at === -2 ? all.length : at + 1;
    if (byMsgid && at === -1) {
      // As Ergo and soju do for a msgid they do not have (any more).
      client.line(`:fake.irc FAIL CHATHISTORY INVALID_MSGREFID AFTER ${a} ${b} :Unknown message reference`);
      return;
    }
    const found = all.slice(start, start + Number(c));
    client.line(`:fake.irc BATCH +${ref} chathistory ${a}`);
    for (const m of found) client.line(wire(m, `batch=${ref};`));
    client.line(`:fake.irc BATCH -${ref}`);
  }
  return {
    history,
    requests,
    say(from, target, text, client) {
      const m = message(from, target, text);
      client?.line(wire(m));
      return m;
    },
    onLine(client, line) {
      const { tags, command, params } = parse(line);
      const label = tags.get('label');
      const labelTag = label !== undefined ? `label=${label};` : '';
      if (command === 'CHATHISTORY') {
        requests.push(line);
        chathistory(client, params);
        return true;
      }
      if (command === 'BATCH' && params[0]?.startsWith('+') && params[1] === 'draft/multiline') {
        multiline.set(params[0].slice(1), { target: params[2] ?? '', ...(label !== undefined ? { label } : {}), parts: [] });
        return true;
      }
      if (command === 'BATCH' && params[0]?.startsWith('-')) {
        const b = multiline.get(params[0].slice(1));
        multiline.delete(params[0].slice(1));
        if (!b || !opts.echo) return true;
        const ref = `m${++seq}`;
        const m = { msgid: `fake-${++seq}`, time: new Date().toISOString() };
        client.line(
          `@${b.label !== undefined ? `label=${b.label};` : ''}msgid=${m.msgid};time=${m.time} :${client.nick}!u@fake.host BATCH +${ref} draft/multiline ${b.target}`,
        );
        for (const part of b.parts)
          client.line(`@batch=${ref}${part.concat ? ';draft/multiline-concat' : ''} :${client.nick}!u@fake.host PRIVMSG ${b.target} :${part.text}`);
        client.line(`:fake.irc BATCH -${ref}`);
        return true;
      }
      if (command !== 'PRIVMSG') return false;
      const inBatch = tags.get('batch');
      if (inBatch !== undefined) {
        multiline.get(inBatch)?.parts.push({ text: params[1] ?? '', concat: tags.has('draft/multiline-concat') });
        return true;
      }
      const m = message(client.nick, params[0] ?? '', params[1] ?? '');
      if (opts.echo) client.line(wire(m, labelTag));
      return true;
    },
  };
}
