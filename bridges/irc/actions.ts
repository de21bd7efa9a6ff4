/**
 * XMPP → IRC: what each Outbound event does on a user's IRC session (XEP-0045 ⇄ RFC 2812).
 * Called by the adapter's `send`, one event at a time per (user, room or contact).
 */
import { randomUUID } from 'node:crypto';
import { RetryableError, StanzaError } from '../../src/core/errors.js';
import type { ErrorCondition, Outbound } from '../../src/core/model.js';
import { awaitVerdict, type Refusal } from './refusals.js';
import { IrcConnectError } from './client/connection.js';
import { kickban, setBanOfJid } from './bans.js';
import { mucToModeChanges, formatModeChanges } from './modes.js';
import type { Room } from './room.js';
import { recordMessage, recordPrivate } from './room-history.js';
import { sendMultiline } from './multiline-messages.js';
import type { IrcSession } from './session.js';
import type { Abortable } from './client/throttle.js';
import { ircToStyling } from './styling.js';
import { bodyToIrc, ircWireText, textBudget, topicToIrc } from './text.js';

type Ev<K extends Outbound['kind']> = Extract<Outbound, { kind: K }>;

const REPLY_TIMEOUT_MS = 10_000;

export function requireConnected(s: IrcSession): void {
  if (!s.connected) throw new RetryableError('The IRC connection is not established yet.', { retryAfterMs: 2000 });
}

function requireParticipant(s: IrcSession, channel: string, resource: string | undefined): Room {
  const room = s.room(channel);
  if (!room || !s.resources(room).has(resource ?? '')) throw new StanzaError('not-acceptable', 'You are not a participant in this room.');
  if (!room.joined) throw new RetryableError('The channel is being rejoined.', { retryAfterMs: 2000 });
  return room;
}

/** One line about to be written: its index and wire text; returns the tags to send it with. */
type BeforeLine = (i: number, wire: string) => Record<string, string>;

/** PRIVMSG lines (or multiline batches) for a body; returns the texts the other side sees. Lines written before a failure are not sent again. */
/** `attempt` (the outbox attempt's deadline) takes the lines still behind flood control out of the queue. */
async function sendText(
  s: IrcSession,
  target: string,
  body: string,
  key: string,
  beforeLine?: BeforeLine,
  attempt?: Abortable,
): Promise<ReturnType<typeof bodyToIrc>> {
  const source = { nick: s.nick, ...(s.conn?.user ? { user: s.conn.user } : {}), ...(s.conn?.host ? { host: s.conn.host } : {}) };
  const texts = bodyToIrc(body, () => textBudget('PRIVMSG', target, source));
  // IRCv3 draft/multiline: one message per batch instead of one per line (multiline-messages.ts).
  const batched = texts.length > 1 ? await sendMultiline(s, target, texts, key, beforeLine, attempt) : undefined;
  if (batched) return batched;
  const done = s.progress.get(key) ?? 0;
  if (!s.queue.hasRoom(texts.length - done)) throw new StanzaError('resource-constraint', 'Too many lines are waiting to be sent to IRC; try again later.');
  try {
    for (let i = done; i < texts.length; i++) {
      const wire = ircWireText(texts[i]!);
      await s.sendLine('PRIVMSG', [target, wire], beforeLine?.(i, wire), attempt);
      s.progress.set(key, i + 1);
    }
  } catch (err) {
    if (err instanceof RetryableError) throw err; // an aborted attempt: its text says so
    throw new RetryableError('The IRC connection was lost while sending.', { cause: err });
  }
  s.progress.delete(key);
  return texts;
}

export async function sendGroupchat(s: IrcSession, ev: Ev<'message'> | Ev<'correction'>, channel: string, prefix = '', attempt?: Abortable): Promise<void> {
  const room = requireParticipant(s, channel, ev.resource);
  requireConnected(s);
  const mode = /^\/mode\s+(.+)$/i.exec(ev.body.trim());
  if (mode && !prefix) {
    await s.sendLine('MODE', [channel, ...mode[1]!.split(/\s+/)]);
    return;
  }
  const key = `${ev.user}|${ev.to}|${ev.id ?? ev.originId ?? randomUUID()}`;
  if (s.echoMessage) {
    // IRCv3 echo-message: each line is reflected when the server echoes it (the delivery confirmation).
    const echoes: Promise<void>[] = [];
    const labels = !!s.conn?.caps.has('labeled-response');
    await sendText(
      s,
      channel,
      prefix + ev.body,
      key,
      (i, wire): Record<string, string> => {
        const t = { action: wire.startsWith('\x01ACTION '), text: wire.replace(/^\x01ACTION (.*)\x01$/s, '$1') };
        const e = s.echoes.expect(
          s.fold(channel),
          wire,
          labels,
          (echo) => reflect(s, room, ev, i, t, echo.msgid ?? randomUUID(), echo.time),
          s.deps.config.echo_timeout_ms,
          () => new StanzaError('remote-server-timeout', 'The IRC server did not confirm the message; it may not have been delivered.'),
        );
        echoes.push(e.done);
        return e.label ? { label: e.label } : {};
      },
      attempt,
    );
    await Promise.all(echoes);
    return;
  }
  const texts = await sendText(s, channel, prefix + ev.body, key, undefined, attempt);
  // Reflected once the server had its chance to refuse each line (refusals.ts); the outbox goes on meanwhile.
  void Promise.all(texts.map(() => awaitVerdict(s, channel))).then(async (verdicts) => {
    const refusal = verdicts.find((v) => v !== undefined);
    if (refusal) return refuseGroupchat(s, room, ev, refusal);
    for (const [i, t] of texts.entries()) await reflect(s, room, ev, i, t, randomUUID());
  });
}

/** XEP-0045 §7.4: the room answers a refused message with an error carrying its id, to the sending resource. */
async function refuseGroupchat(s: IrcSession, room: Room, ev: Ev<'message'> | Ev<'correction'>, refusal: Refusal): Promise<void> {
  s.deps.ctx.log.info({ event: 'groupchat_refused', user: s.user, channel: room.channel, condition: refusal.condition }, 'the IRC server refused a message');
  await s.deliver({
    kind: 'error',
    user: s.user,
    from: room.localpart,
    ...(ev.resource ? { toResource: ev.resource } : {}),
    stanza: 'message',
    ...(ev.id ? { id: ev.id } : {}),
    condition: refusal.condition,
    errorType: refusal.condition === 'not-acceptable' ? 'modify' : 'auth',
    text: refusal.text,
  });
}

/** Reflection (XEP-0045 §7.4) of one line: every joined resource, the sender's ids on the first line; archived. */
async function reflect(
  s: IrcSession,
  room: Room,
  ev: Ev<'message'> | Ev<'correction'>,
  i: number,
  t: { action: boolean; text: string },
  stanzaId: string,
  delay?: string,
): Promise<void> {
  // What the room saw, read back as XEP-0393 (as IRC → XMPP reads everyone's line).
  const body = (t.action ? '/me ' : '') + ircToStyling(t.text);
  recordMessage(s, room, { id: stanzaId, nick: s.nick, body, ...(delay ? { stamp: delay } : {}) });
  await s.xmppRooms.message(s.user, room.localpart, {
    nick: s.nick,
    body,
    stanzaId,
    ...(i === 0 && ev.id ? { id: ev.id } : {}),
    ...(i === 0 && ev.originId ? { originId: ev.originId } : {}),
    ...(i === 0 && ev.kind === 'correction' ? { replaces: ev.replaces } : {}),
  });
}

export async function sendPrivate(s: IrcSession, ev: Ev<'message'> | Ev<'correction'>, nick: string, prefix = '', attempt?: Abortable): Promise<void> {
  await connectForMessage(s, ev);
  const key = `${ev.user}|${ev.to}|${ev.toResource ?? ''}|${ev.id ?? ev.originId ?? randomUUID()}`;
  const texts = await sendText(s, nick, prefix + ev.body, key, undefined, attempt);
  recordPrivate(s, nick, {
    id: ev.id ?? ev.originId ?? randomUUID(),
    nick: s.nick,
    body: texts.map((t) => (t.action ? '/me ' : '') + ircToStyling(t.text)).join('\n'),
    outgoing: true,
  });
}

/** Messages to the network JID are raw IRC commands on the user's own connection (as biboumi). */
export async function sendRaw(s: IrcSession, ev: Ev<'message'>): Promise<void> {
  await connectForMessage(s, ev);
  for (const line of ev.body
    .split(/\r\n|\r|\n/)
    .map((l) => l.replace(/\0/g, '').trim())
    .filter(Boolean)) {
    if (!/^[A-Za-z]+(\s|$)|^\d{3}(\s|$)/.test(line)) throw new StanzaError('bad-request', `"${line}" is not an IRC command.`);
    const quit = /^QUIT(?:\s+:?(.*))?$/i.exec(line);
    if (quit) return s.userQuit(quit[1] ?? 'Quit');
    await s.queue.push(line);
  }
}

/** Open the session's connection if needed, for something that is not a join. */
export async function connectForMessage(s: IrcSession, ev: Outbound): Promise<void> {
  try {
    await s.ensureConnected(s.desiredNick || defaultNick(ev.user));
  } catch (err) {
    if (err instanceof IrcConnectError) {
      if (err.condition === 'remote-server-timeout') throw new RetryableError(err.message, { cause: err });
      throw new StanzaError(err.condition, err.message, { cause: err });
    }
    throw err;
  }
}

export function defaultNick(user: string): string {
  const local = user.split('@')[0] ?? 'xmpp';
  return (
    local
      .replace(/[^A-Za-z0-9_\-[\]\\^{}|`]/g, '_')
      .replace(/^[\d-]/, '_')
      .slice(0, 30) || 'xmpp'
  );
}

/** TOPIC refusals (RFC 2812 §3.2.4) → XEP-0045 §8.1: a non-moderator changing the subject gets forbidden. */
const TOPIC_REFUSALS: Record<string, ErrorCondition> = { '482': 'forbidden', '442': 'not-acceptable', '477': 'registration-required', '403': 'item-not-found' };

/** Resolves when the server broadcast the new topic; throws StanzaError with the server's text when it refused. */
export async function setSubject(s: IrcSession, ev: Ev<'subject'>, channel: string): Promise<void> {
  requireParticipant(s, channel, ev.resource);
  requireConnected(s);
  const timeout = new Error('no answer to TOPIC');
  const answered = s.waitLine(
    (l) => {
      if (l.command === 'TOPIC' && s.fold(l.params[0] ?? '') === s.fold(channel)) return true;
      const condition = TOPIC_REFUSALS[l.command];
      if (condition && s.fold(l.params[1] ?? '') === s.fold(channel)) return new StanzaError(condition, l.params.at(-1) ?? 'The IRC server refused the topic.');
      return undefined;
    },
    REPLY_TIMEOUT_MS,
    () => timeout,
  );
  await s.sendLine('TOPIC', [channel, topicToIrc(ev.subject)]);
  // A server that says nothing (no broadcast, no refusal) is taken as having accepted.
  await answered.catch((err: unknown) => {
    if (err !== timeout) throw err;
  });
}

/** muc#admin (XEP-0045 §8–9): role none → KICK; other roles/affiliations → membership modes. */
export async function moderate(s: IrcSession, ev: Ev<'moderate'>, channel: string): Promise<void> {
  const room = requireParticipant(s, channel, ev.resource);
  requireConnected(s);
  const refused = (l: { command: string; params: string[] }) =>
    ['482', '441', '401', '403', '442', '481'].includes(l.command)
      ? new StanzaError(l.command === '441' || l.command === '401' ? 'item-not-found' : 'forbidden', l.params.at(-1) ?? 'Refused by the IRC server.')
      : undefined;
  // An affiliation change by JID (XEP-0045 §9.1, §9.2): a ban or unban of a mask, in the room or not.
  if (ev.nick === undefined) return setBanOfJid(s, channel, ev.jid ?? '', ev.affiliation, refused);
  const nick = ev.nick;
  const member = room.roster?.get(s.fold(nick));
  if (!member) throw new StanzaError('item-not-found', `${nick} is not in ${channel}.`);
  if (ev.role === 'none') {
    const done = s.waitLine(
      (l) => (l.command === 'KICK' && s.fold(l.params[1] ?? '') === s.fold(nick) ? true : refused(l)),
      REPLY_TIMEOUT_MS,
      () => new StanzaError('remote-server-timeout', 'No answer to the KICK.'),
    );
    await s.sendLine('KICK', ev.reason ? [channel, member.nick, ev.reason] : [channel, member.nick]);
    return done;
  }
  if (ev.affiliation === 'outcast') return kickban(s, channel, member, ev.reason, refused);
  const changes = mucToModeChanges(s.conn!.isupport, member.modes, member.nick, {
    ...(ev.affiliation ? { affiliation: ev.affiliation } : {}),
    ...(ev.role ? { role: ev.role } : {}),
  });
  if (changes.length === 0) return;
  const [letters, ...params] = formatModeChanges(changes).split(' ');
  const done = s.waitLine(
    (l) => (l.command === 'MODE' && s.fold(l.params[0] ?? '') === s.fold(channel) ? true : refused(l)),
    REPLY_TIMEOUT_MS,
    () => new StanzaError('remote-server-timeout', 'No answer to the MODE change.'),
  );
  await s.sendLine('MODE', [channel, letters!, ...params]);
  return done;
}

export async function invite(s: IrcSession, ev: Ev<'invite'>, channel: string, nick: string): Promise<void> {
  requireParticipant(s, channel, ev.resource);
  requireConnected(s);
  await s.sendLine('INVITE', [nick, channel]);
}
