/** How an IRC connection attempt fails, as the condition and text the XMPP user sees. */
import type { ErrorCondition } from '../../../src/core/model.js';
import type { IrcLine } from './line.js';

export interface Endpoint {
  host: string;
  port: number;
}

/** A connection that failed before or during registration, with the condition the user sees. */
export class IrcConnectError extends Error {
  constructor(
    readonly condition: ErrorCondition,
    text: string,
    readonly banned = false,
  ) {
    super(text);
    this.name = 'IrcConnectError';
  }
}

/** Numerics that end a registration attempt (RFC 2812 §5.2, SASL 3.1). */
export function registrationError(line: IrcLine, registered: boolean, nick: string): IrcConnectError | undefined {
  const text = line.params.at(-1) ?? '';
  switch (line.command) {
    case '433':
    case '436':
    case '437': // ERR_UNAVAILRESOURCE: before registration, only our NICK can be refused
      return registered ? undefined : new IrcConnectError('conflict', `${line.params[1] ?? nick}: Nickname is already in use`);
    case '432':
      return registered ? undefined : new IrcConnectError('not-acceptable', `${line.params[1] ?? nick}: Erroneous nickname`);
    case '465':
      return new IrcConnectError('forbidden', `Banned from the server: ${text}`, true);
    case '464':
      return new IrcConnectError('not-authorized', `Password incorrect: ${text}`);
    case '904':
    case '905':
    case '902':
      return new IrcConnectError('not-authorized', `SASL authentication failed: ${text}`);
    default:
      return undefined;
  }
}

/**
 * The TLS connection an STS policy requires failed. The spec forbids falling back to plaintext:
 * the attempt fails (and is retried later, with TLS again).
 */
export function stsFailure(err: NodeJS.ErrnoException, server: Endpoint): IrcConnectError {
  const base = connectErrorFor(err, server);
  return new IrcConnectError(base.condition, `${base.message}. The server requires TLS on port ${server.port} (IRCv3 STS), so the gateway does not fall back to an unencrypted connection.`);
}

export function connectErrorFor(err: NodeJS.ErrnoException, server: Endpoint): IrcConnectError {
  const where = `${server.host}:${server.port}`;
  if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') return new IrcConnectError('item-not-found', `Connection failed: Domain name not found (${server.host})`);
  if (err.code === 'ETIMEDOUT') return new IrcConnectError('remote-server-timeout', `Connection failed: ${where} timed out`);
  if (err.code === 'ECONNREFUSED') return new IrcConnectError('remote-server-not-found', `Connection failed: Connection refused (${where})`);
  return new IrcConnectError('remote-server-not-found', `Connection failed: ${err.message}`);
}
