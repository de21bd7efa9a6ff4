/**
 * The gateway's IRC connections as the identd sees them: each is entered with its TCP ends when
 * its socket connects and removed when it closes, so a query names one of our live connections
 * or none. The connection tells its ends by an event; the identd never reaches into a session.
 */
import type { IrcConnection, SocketEnds } from './client/connection.js';

interface Entry {
  remoteAddress: string;
  ident: string;
}

/** `::ffff:192.0.2.1` (an IPv4 peer on a dual-stack socket) is `192.0.2.1`. */
export function plainAddress(address: string): string {
  return address.toLowerCase().replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');
}

export class IdentRegistry {
  private readonly byPorts = new Map<string, Entry[]>();

  /** Enter a connection's ends; the function returned removes them. */
  add(ends: SocketEnds, ident: string): () => void {
    const key = `${ends.localPort},${ends.remotePort}`;
    const entry: Entry = { remoteAddress: plainAddress(ends.remoteAddress), ident };
    const list = this.byPorts.get(key) ?? [];
    list.push(entry);
    this.byPorts.set(key, list);
    return () => {
      const now = this.byPorts.get(key)?.filter((e) => e !== entry) ?? [];
      if (now.length === 0) this.byPorts.delete(key);
      else this.byPorts.set(key, now);
    };
  }

  /** Follow a connection: entered when its socket connects, removed when it closes. */
  track(conn: IrcConnection, ident: string): void {
    let remove: (() => void) | undefined;
    conn.on('socket', (ends) => {
      remove?.();
      remove = this.add(ends, ident);
    });
    conn.once('close', () => remove?.());
  }

  /**
   * The ident of our connection from local port `localPort` to `remotePort` of the host that asks
   * (RFC 1413 §2: a query is about a connection between the two hosts; a third host learns nothing).
   */
  lookup(localPort: number, remotePort: number, askedBy: string): string | undefined {
    const from = plainAddress(askedBy);
    return this.byPorts.get(`${localPort},${remotePort}`)?.find((e) => e.remoteAddress === from)?.ident;
  }

  get size(): number {
    let n = 0;
    for (const list of this.byPorts.values()) n += list.length;
    return n;
  }
}
