/**
 * XMPP → IRC room commands (XEP-0045 ⇄ RFC 2812): the subject (TOPIC), muc#admin changes (KICK,
 * membership modes, bans) and mediated invitations (INVITE). Each waits for the server's answer.
 */
import { StanzaError } from '../../src/core/errors.js';
import type { Outbound } from '../../src/core/model.js';
import { requireConnected, requireParticipant } from './actions.js';
import { kickban, setBanOfJid } from './bans.js';
import { mucToModeChanges, formatModeChanges } from './modes.js';
import { moderationRefused, TOPIC_REFUSALS } from './refusal-conditions.js';
import type { IrcSession } from './session.js';
import { topicToIrc } from './text.js';

type Ev<K extends Outbound['kind']> = Extract<Outbound, { kind: K }>;

const REPLY_TIMEOUT_MS = 10_000;

/** Resolves when the server broadcast the new topic; throws StanzaError with the server's text when it refused. */
export async function setSubject(s: IrcSession, ev: Ev<'subject'>, channel: string): Promise<void> {
  requireParticipant(s, channel, ev.resource);
  requireConnected(s);
  const timeout = new Error('no answer to TOPIC');
  const answered = s.awaitEvent(
    (e) => {
      if (e.type === 'topic' && s.fold(e.channel) === s.fold(channel)) return true;
      const condition = e.type === 'refused' ? TOPIC_REFUSALS[e.reason] : undefined;
      if (e.type === 'refused' && condition && s.fold(e.target) === s.fold(channel)) return new StanzaError(condition, e.text || 'The IRC server refused the topic.');
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
  // An affiliation change by JID (XEP-0045 §9.1, §9.2): a ban or unban of a mask, in the room or not.
  if (ev.nick === undefined) return setBanOfJid(s, channel, ev.jid ?? '', ev.affiliation);
  const nick = ev.nick;
  const member = room.roster?.get(s.fold(nick));
  if (!member) throw new StanzaError('item-not-found', `${nick} is not in ${channel}.`);
  if (ev.role === 'none') {
    const done = s.awaitEvent(
      (e) => (e.type === 'kick' && s.fold(e.target) === s.fold(nick) ? true : moderationRefused(e)),
      REPLY_TIMEOUT_MS,
      () => new StanzaError('remote-server-timeout', 'No answer to the KICK.'),
    );
    await s.sendLine('KICK', ev.reason ? [channel, member.nick, ev.reason] : [channel, member.nick]);
    await done;
    return;
  }
  if (ev.affiliation === 'outcast') return kickban(s, channel, member, ev.reason);
  const changes = mucToModeChanges(s.conn!.isupport, member.modes, member.nick, {
    ...(ev.affiliation ? { affiliation: ev.affiliation } : {}),
    ...(ev.role ? { role: ev.role } : {}),
  });
  if (changes.length === 0) return;
  const [letters, ...params] = formatModeChanges(changes).split(' ');
  const done = s.awaitEvent(
    (e) => (e.type === 'mode' && s.fold(e.target) === s.fold(channel) ? true : moderationRefused(e)),
    REPLY_TIMEOUT_MS,
    () => new StanzaError('remote-server-timeout', 'No answer to the MODE change.'),
  );
  await s.sendLine('MODE', [channel, letters!, ...params]);
  await done;
}

export async function invite(s: IrcSession, ev: Ev<'invite'>, channel: string, nick: string): Promise<void> {
  requireParticipant(s, channel, ev.resource);
  requireConnected(s);
  await s.sendLine('INVITE', [nick, channel]);
}
