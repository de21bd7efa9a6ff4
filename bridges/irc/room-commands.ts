/**
 * XMPP → IRC room commands (XEP-0045 ⇄ RFC 2812): the subject (TOPIC), muc#admin changes (KICK,
 * membership modes, bans) and mediated invitations (INVITE). Each waits for the server's answer.
 */
import { StanzaError } from '../../src/core/errors.js';
import type { Outbound } from '../../src/core/model.js';
import type { ChannelBans } from './bans.js';
import { mucToModeChanges, formatModeChanges } from './modes.js';
import { moderationRefused, TOPIC_REFUSALS } from './refusal-conditions.js';
import type { OutgoingMessages } from './actions.js';
import type { SessionView } from './session-port.js';
import type { SessionRooms } from './session-rooms.js';
import { topicToIrc } from './text.js';

type Ev<K extends Outbound['kind']> = Extract<Outbound, { kind: K }>;

const REPLY_TIMEOUT_MS = 10_000;

/** The session as room commands see it: also its rooms and its outgoing messages. */
export interface CommandsSession extends SessionView {
  readonly rooms: SessionRooms;
  readonly outgoing: OutgoingMessages;
}

/** A session's room commands (created with the session, session-requests.ts). */
export class RoomCommands {
  constructor(
    private readonly s: CommandsSession,
    private readonly bans: ChannelBans,
  ) {}

  /** Resolves when the server broadcast the new topic; throws StanzaError with the server's text when it refused. */
  async setSubject(ev: Ev<'subject'>, channel: string): Promise<void> {
    this.s.rooms.participant(channel, ev.resource);
    this.s.outgoing.requireConnected();
    const timeout = new Error('no answer to TOPIC');
    const answered = this.s.awaitEvent(
      (e) => {
        if (e.type === 'topic' && this.s.fold(e.channel) === this.s.fold(channel)) return true;
        const condition = e.type === 'refused' ? TOPIC_REFUSALS[e.reason] : undefined;
        if (e.type === 'refused' && condition && this.s.fold(e.target) === this.s.fold(channel))
          return new StanzaError(condition, e.text || 'The IRC server refused the topic.');
        return undefined;
      },
      REPLY_TIMEOUT_MS,
      () => timeout,
    );
    await this.s.sendLine('TOPIC', [channel, topicToIrc(ev.subject)]);
    // A server that says nothing (no broadcast, no refusal) is taken as having accepted.
    await answered.catch((err: unknown) => {
      if (err !== timeout) throw err;
    });
  }

  /** muc#admin (XEP-0045 §8–9): role none → KICK; other roles/affiliations → membership modes. */
  async moderate(ev: Ev<'moderate'>, channel: string): Promise<void> {
    const room = this.s.rooms.participant(channel, ev.resource);
    this.s.outgoing.requireConnected();
    // An affiliation change by JID (XEP-0045 §9.1, §9.2): a ban or unban of a mask, in the room or not.
    if (ev.nick === undefined) return this.bans.setByJid(channel, ev.jid ?? '', ev.affiliation);
    const nick = ev.nick;
    const member = room.roster?.get(this.s.fold(nick));
    if (!member) throw new StanzaError('item-not-found', `${nick} is not in ${channel}.`);
    if (ev.role === 'none') {
      const done = this.s.awaitEvent(
        (e) => (e.type === 'kick' && this.s.fold(e.target) === this.s.fold(nick) ? true : moderationRefused(e)),
        REPLY_TIMEOUT_MS,
        () => new StanzaError('remote-server-timeout', 'No answer to the KICK.'),
      );
      await this.s.sendLine('KICK', ev.reason ? [channel, member.nick, ev.reason] : [channel, member.nick]);
      await done;
      return;
    }
    if (ev.affiliation === 'outcast') return this.bans.kickban(channel, member, ev.reason);
    const changes = mucToModeChanges(this.s.conn!.isupport, member.modes, member.nick, {
      ...(ev.affiliation ? { affiliation: ev.affiliation } : {}),
      ...(ev.role ? { role: ev.role } : {}),
    });
    if (changes.length === 0) return;
    const [letters, ...params] = formatModeChanges(changes).split(' ');
    const done = this.s.awaitEvent(
      (e) => (e.type === 'mode' && this.s.fold(e.target) === this.s.fold(channel) ? true : moderationRefused(e)),
      REPLY_TIMEOUT_MS,
      () => new StanzaError('remote-server-timeout', 'No answer to the MODE change.'),
    );
    await this.s.sendLine('MODE', [channel, letters!, ...params]);
    await done;
  }

  async invite(ev: Ev<'invite'>, channel: string, nick: string): Promise<void> {
    this.s.rooms.participant(channel, ev.resource);
    this.s.outgoing.requireConnected();
    await this.s.sendLine('INVITE', [nick, channel]);
  }
}
