import { createServer } from 'node:net';
import { freePort } from '../test/helpers/ports.js';

/** True when nothing holds `port` on 127.0.0.1 (a listener on 0.0.0.0 or :: also counts). */
function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * `wanted` when it is free, else one the kernel picks. The demo wants the standard ports so a
 * client finds alice@localhost without being told a port.
 */
export async function preferPort(wanted: number, taken: ReadonlySet<number> = new Set()): Promise<number> {
  if (!taken.has(wanted) && (await bindable(wanted))) return wanted;
  for (;;) {
    const port = await freePort();
    if (!taken.has(port)) return port;
  }
}
