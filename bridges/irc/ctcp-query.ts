/**
 * XMPP asks an IRC nick for its software version (XEP-0092) or pings it (XEP-0199): a CTCP
 * VERSION or PING in a PRIVMSG, answered by the nick's CTCP NOTICE
 * (https://modern.ircdocs.horse/ctcp). No answer in time → remote-server-timeout;
 * 401 ERR_NOSUCHNICK → item-not-found.
 */
import { randomBytes } from 'node:crypto';
import { StanzaError } from '../../src/core/errors.js';
import type { SessionPort } from './session-port.js';

export const CTCP_TIMEOUT_MS = 10_000;

/** A session's CTCP queries to IRC nicks (created with the session, session-requests.ts). */
export class CtcpQueries {
  constructor(private readonly s: SessionPort) {}

  async query(nick: string, command: 'VERSION' | 'PING', arg = '', timeoutMs = CTCP_TIMEOUT_MS): Promise<string> {
    const answered = this.s.awaitEvent(
      (e) => {
        if (e.type === 'refused' && e.reason === 'no-such-nick' && this.s.fold(e.target) === this.s.fold(nick)) {
          return new StanzaError('item-not-found', `There is no nick ${nick} on this IRC network.`);
        }
        if (e.type !== 'ctcp' || e.kind !== 'response' || this.s.fold(e.source.nick) !== this.s.fold(nick) || e.command !== command) return undefined;
        return command === 'PING' && e.args !== arg ? undefined : e.args;
      },
      timeoutMs,
      () => new StanzaError('remote-server-timeout', `${nick} did not answer the CTCP ${command} within ${Math.round(timeoutMs / 1000)} this.s.`),
    );
    await this.s.sendLine('PRIVMSG', [nick, `\x01${command}${arg ? ` ${arg}` : ''}\x01`]);
    return answered;
  }

  /** CTCP PING with a fresh token: resolves when the nick answers it. */
  async ping(nick: string, timeoutMs = CTCP_TIMEOUT_MS): Promise<void> {
    await this.query(nick, 'PING', randomBytes(6).toString('hex'), timeoutMs);
  }
}
