/**
 * Plain TCP connections to the relay with Nagle's algorithm off. nodemailer writes the message
 * and the final `.` as separate segments; with Nagle on, the second waits for the relay's
 * delayed ACK (~40 ms per message on Linux), which caps one connection near 20 messages/s.
 * Used through nodemailer's `getSocket` hook; STARTTLS still upgrades the socket afterwards.
 */
import { connect, type Socket } from 'node:net';

export type GetSocket = (
  options: { host?: string; port?: number },
  callback: (err: Error | null, socketOptions?: { connection: Socket }) => void,
) => void;

export function noDelaySocket(timeoutMs: number): GetSocket {
  return (options, callback) => {
    const socket = connect({ host: options.host ?? '127.0.0.1', port: options.port ?? 25, noDelay: true });
    let done = false;
    const finish = (err: Error | null): void => {
      if (done) return;
      done = true;
      socket.setTimeout(0);
      socket.removeListener('error', finish);
      if (err) {
        socket.destroy();
        callback(Object.assign(err, { code: (err as NodeJS.ErrnoException).code ?? 'ECONNECTION' }));
      } else callback(null, { connection: socket });
    };
    socket.setTimeout(timeoutMs, () => finish(Object.assign(new Error(`connection to ${options.host}:${options.port} timed out`), { code: 'ETIMEDOUT' })));
    socket.once('error', finish);
    socket.once('connect', () => finish(null));
  };
}
