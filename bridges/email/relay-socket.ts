/**
 * Plain TCP connections to the relay with Nagle's algorithm off. nodemailer writes the message
 * and the final `.` as separate segments; with Nagle on, the second waits for the relay's
 * delayed ACK (~40 ms per message on Linux), which caps one connection near 20 messages/s.
 * Used through nodemailer's `getSocket` hook; STARTTLS still upgrades the socket afterwards.
 *
 * The hook hands nodemailer the socket at once, while it is still connecting, and never an
 * error. Issue 10 item 2 was this hook connecting first and calling back with the connect
 * error: nodemailer 7's pool (pool-resource.js `connect`) passes such an error to the one send
 * without emitting 'error', so the pool keeps the resource as busy for ever; after
 * `max_connections` refusals every slot is such a zombie and the next sendMail never settles.
 * Handed over connecting, a refusal is an error on SMTPConnection's own socket handlers
 * (ESOCKET), and the pool drops the resource (bridges/email/test/outbox-faults.test.ts, "max_connections"). A connect
 * that hangs ends at the greeting timeout (`relay.timeout_ms`). (`{ socket }`, an unconnected
 * socket, would be simpler, but the pool only takes `{ connection }` from this hook.)
 *
 * Each socket is tracked so that an aborted attempt (the outbox's deadline) can close the
 * connection it is stuck on (`closeSilentSince`).
 */
import { connect, type Socket } from 'node:net';

export type GetSocket = (
  options: { host?: string; port?: number },
  callback: (err: Error | null, socketOptions?: { connection: Socket }) => void,
) => void;

export interface RelaySockets {
  getSocket: GetSocket;
  /** Relay connections open now. */
  readonly open: number;
  /**
   * Destroy every open connection on which the relay has said nothing since `since` (ms): a
   * transaction stuck on it gets a socket error and its send settles. A busy healthy connection
   * hears the relay within milliseconds and is kept; an idle pooled one is reopened when needed.
   */
  closeSilentSince(since: number): number;
}

export function relaySockets(now: () => number = Date.now): RelaySockets {
  const lastHeard = new Map<Socket, number>();
  return {
    getSocket: (options, callback) => {
      const socket = connect({ host: options.host ?? '127.0.0.1', port: options.port ?? 25, noDelay: true });
      lastHeard.set(socket, -Infinity);
      socket.on('data', () => lastHeard.set(socket, now()));
      socket.once('close', () => lastHeard.delete(socket));
      callback(null, { connection: socket });
    },
    get open() {
      return lastHeard.size;
    },
    closeSilentSince(since) {
      let closed = 0;
      for (const [socket, heard] of lastHeard) {
        if (heard >= since) continue;
        socket.destroy(new Error('the attempt was aborted (deadline): closing its relay connection'));
        lastHeard.delete(socket);
        closed += 1;
      }
      return closed;
    },
  };
}

/** The hook alone, for callers that never abort (bench/email.ts). */
export function noDelaySocket(): GetSocket {
  return relaySockets().getSocket;
}
