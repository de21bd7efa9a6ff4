/**
 * An IRC user sends our nick a CTCP VERSION or PING (https://modern.ircdocs.horse/ctcp): like
 * biboumi, the gateway asks one of the user's XMPP clients (XEP-0092 version, XEP-0199 ping, from
 * the asker's `nick%network` JID) and answers with the client's reply in a CTCP NOTICE.
 *   - VERSION: the client's name, version and OS; the gateway's own version when no client is
 *     known or it does not answer (CTCP VERSION is expected to get an answer).
 *   - PING: answered once the client answered (even with an error: it is reachable); no answer
 *     when the client is gone, which is the truth the IRC user asked for. Without any known
 *     client the gateway answers for the connection.
 * Not awaited by the line handler: a client may take seconds and lines keep flowing meanwhile.
 */
import { isStanzaError } from '../../src/core/errors.js';
import { SOFTWARE } from '../../src/core/software.js';
import type { SessionPort } from './session-port.js';

export const CTCP_CLIENT_TIMEOUT_MS = 5000;
const UNREACHABLE = new Set(['remote-server-timeout', 'recipient-unavailable', 'service-unavailable', 'item-not-found']);

/** A CTCP argument from XMPP: no control characters (\x01 would end the CTCP, CR/LF the line). */
function ctcpText(text: string): string {
  return text.replace(/[\x00-\x1f\x7f]/g, ' ').trim();
}

/** Answers to CTCP queries from IRC nicks, asked of one of the user's clients (created with the session). */
export class CtcpAnswers {
  private lastResource: string | undefined;

  constructor(private readonly s: SessionPort) {}

  /** The resource that last sent something through this connection (the adapter's `send`). */
  noteResource(resource: string): void {
    this.lastResource = resource;
  }

  /** One of the user's clients: in a joined room, else the one that last wrote through this connection. */
  private someResource(): string | undefined {
    for (const room of this.s.rooms.values()) for (const r of this.s.rooms.resources(room)) return r;
    return this.lastResource;
  }

  answer(nick: string, command: 'VERSION' | 'PING', args: string): void {
    const reply = (text: string): void => void this.s.sendLine('NOTICE', [nick, `\x01${command} ${ctcpText(text)}\x01`]).catch(() => undefined);
    const gatewayVersion = this.s.deps.config.version || `${SOFTWARE.name} ${SOFTWARE.version}`;
    const resource = this.someResource();
    if (!resource) return reply(command === 'VERSION' ? gatewayVersion : args);
    const asked = this.s.ctx.queryUser({
      user: this.s.user,
      resource,
      from: this.s.contactLocalpart(nick),
      query: command === 'VERSION' ? 'version' : 'ping',
      timeoutMs: CTCP_CLIENT_TIMEOUT_MS,
    });
    asked.then(
      (answer) => {
        if (command === 'PING') return reply(args);
        const text = [answer.name, answer.version, answer.os ? `(${answer.os})` : undefined].filter(Boolean).join(' ');
        reply(text || gatewayVersion);
      },
      (err: unknown) => {
        // RFC 6120 §8.5.3.2.1: the server answers service-unavailable for a client that is gone.
        const reachable = isStanzaError(err) && !UNREACHABLE.has(err.condition);
        if (command === 'VERSION') return reply(gatewayVersion);
        if (reachable) return reply(args);
        this.s.ctx.log.debug({ event: 'ctcp-ping-unanswered', nick }, 'the client did not answer a CTCP PING');
      },
    );
  }
}
