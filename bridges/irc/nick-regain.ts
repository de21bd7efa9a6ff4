/**
 * NickServ REGAIN / GHOST (network option `nickserv_regain`): a connection that registered on an
 * alternative nick (nick-alternatives.ts) while the user's account is logged in with SASL asks
 * the network's services for the wanted nick back. With `regain` services free the nick and rename
 * us (Atheme, Anope: REGAIN); with `ghost` they disconnect the holder (GHOST) and we send NICK once
 * NickServ has answered. Either way the server's NICK for us reaches the rooms as a nick change
 * (irc-handlers.ts onNick: the core renders the 303 pair). A refusal or no answer leaves the
 * alternative nick in place; the user is told.
 */
import type { IrcConnection } from './client/connection.js';
import type { IrcEvent } from './client/events.js';
import type { SessionPort } from './session-port.js';

/** How long NickServ may take to answer GHOST before NICK is not tried. */
export const NICKSERV_ANSWER_MS = 15_000;

/** A session's NickServ REGAIN / GHOST of its wanted nick (created with the session, session-requests.ts). */
export class NickRegain {
  constructor(private readonly s: SessionPort) {}

  /** Once `conn` has registered (end of MOTD), regain `wanted` when it is not the nick we got. */
  afterRegistration(conn: IrcConnection, wanted: string): void {
    const onEvent = (ev: IrcEvent) => {
      if (ev.type !== 'registered') return;
      conn.off('event', onEvent);
      void this.regain(conn, wanted);
    };
    conn.on('event', onEvent);
  }

  async regain(conn: IrcConnection, wanted: string): Promise<void> {
    const policy = this.s.deps.net.nickserv_regain;
    if (policy === 'off' || !conn.saslLoggedIn || conn.isupport.sameName(conn.nick, wanted)) return;
    const command = policy === 'regain' ? 'REGAIN' : 'GHOST';
    try {
      await this.s.notify(`${wanted} is in use; you are logged in, so NickServ is asked to ${command} it.`);
      // Answers of NickServ are NOTICEs to us; the nick is free only once the ghost is gone.
      const fromNickServ = (e: IrcEvent) => (e.type === 'notice' && conn.isupport.sameName(e.source.nick, 'NickServ') ? true : undefined);
      const answered = policy === 'ghost' ? this.s.awaitEvent(fromNickServ, NICKSERV_ANSWER_MS, () => new Error('NickServ did not answer GHOST')) : undefined;
      await this.s.sendLine('PRIVMSG', ['NickServ', `${command} ${wanted}`]);
      if (!answered) return;
      await answered;
      if (conn !== this.s.conn || !conn.isOpen || conn.isupport.sameName(conn.nick, wanted)) return;
      await this.s.sendLine('NICK', [wanted]);
    } catch (err) {
      this.s.ctx.log.warn(
        { event: 'nickserv_regain_failed', user: this.s.user, network: this.s.deps.networkName, reason: (err as Error).message },
        'NickServ did not give the nick back',
      );
      await this.s.notify(`Could not ${command} ${wanted}: ${(err as Error).message}`);
    }
  }
}
