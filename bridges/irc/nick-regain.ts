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
import type { IrcSession } from './session.js';

/** How long NickServ may take to answer GHOST before NICK is not tried. */
export const NICKSERV_ANSWER_MS = 15_000;

/** Once `conn` has registered (end of MOTD), regain `wanted` when it is not the nick we got. */
export function regainAfterRegistration(s: IrcSession, conn: IrcConnection, wanted: string): void {
  const onEvent = (ev: IrcEvent) => {
    if (ev.type !== 'registered') return;
    conn.off('event', onEvent);
    void regainNick(s, conn, wanted);
  };
  conn.on('event', onEvent);
}

export async function regainNick(s: IrcSession, conn: IrcConnection, wanted: string): Promise<void> {
  const policy = s.deps.net.nickserv_regain;
  if (policy === 'off' || !conn.saslLoggedIn || conn.isupport.sameName(conn.nick, wanted)) return;
  const command = policy === 'regain' ? 'REGAIN' : 'GHOST';
  try {
    await s.notify(`${wanted} is in use; you are logged in, so NickServ is asked to ${command} it.`);
    // Answers of NickServ are NOTICEs to us; the nick is free only once the ghost is gone.
    const fromNickServ = (e: IrcEvent) => (e.type === 'notice' && conn.isupport.sameName(e.source.nick, 'NickServ') ? true : undefined);
    const answered = policy === 'ghost' ? s.awaitEvent(fromNickServ, NICKSERV_ANSWER_MS, () => new Error('NickServ did not answer GHOST')) : undefined;
    await s.sendLine('PRIVMSG', ['NickServ', `${command} ${wanted}`]);
    if (!answered) return;
    await answered;
    if (conn !== s.conn || !conn.isOpen || conn.isupport.sameName(conn.nick, wanted)) return;
    await s.sendLine('NICK', [wanted]);
  } catch (err) {
    s.ctx.log.warn({ event: 'nickserv_regain_failed', user: s.user, network: s.deps.networkName, reason: (err as Error).message }, 'NickServ did not give the nick back');
    await s.notify(`Could not ${command} ${wanted}: ${(err as Error).message}`);
  }
}
