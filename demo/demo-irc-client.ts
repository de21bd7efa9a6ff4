/** A bare IRC client over TCP for demo-check.ts: the other side of the bridge, as a user's IRC client. */
import { connect, type Socket } from 'node:net';
import { waitFor } from '../test/helpers/wait.js';

export interface DemoIrcClient {
  /** Every line received so far. */
  lines: string[];
  send(line: string): void;
  waitForLine(match: (line: string) => boolean, what: string, timeoutMs?: number): Promise<string>;
  quit(): Promise<void>;
}

export async function connectIrc(port: number, nick: string): Promise<DemoIrcClient> {
  const socket: Socket = connect({ host: '127.0.0.1', port });
  socket.setEncoding('utf8');
  const lines: string[] = [];
  let partial = '';
  socket.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\r\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      // Answer the server's keepalive, or a slow check gets disconnected.
      if (line.startsWith('PING ')) socket.write(`PONG ${line.slice(5)}\r\n`);
      lines.push(line);
    }
  });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const client: DemoIrcClient = {
    lines,
    send: (line) => void socket.write(`${line}\r\n`),
    waitForLine: (match, what, timeoutMs = 15_000) => waitFor(() => lines.find(match), `${what} on IRC`, timeoutMs),
    async quit() {
      socket.end('QUIT :demo-check done\r\n');
      await new Promise<void>((resolve) => socket.once('close', () => resolve()));
    },
  };
  client.send(`NICK ${nick}`);
  client.send(`USER ${nick} 0 * :demo-check`);
  await client.waitForLine((l) => / 001 /.test(l), 'the welcome (001)');
  return client;
}
