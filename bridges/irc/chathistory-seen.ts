/**
 * When a user's connection to a network last received a line, kept in the bridge's store: after a
 * reconnect or a gateway restart, draft/chathistory asks for what was missed since then where the
 * archive has nothing to start from (CHATHISTORY TARGETS for private conversations, a channel with
 * no archived message). Written when the connection registers, every minute while it is up, and
 * when it closes: a crash loses at most a minute, which only widens the window asked (duplicates
 * are dropped against the archive). The last line received, not the close, because a connection
 * that died silently missed everything after its last line; and read back `SKEW_MS` earlier, as
 * the server's clock, not ours, stamps its history.
 */
import type { BridgeContext } from '../../src/core/bridge.js';
import type { IrcConnection } from './client/connection.js';

const REFRESH_MS = 60_000;
const SKEW_MS = 10_000;

/** One session's "last seen" time in the store, under `key`. */
export class SeenTracker {
  /** The time the previous connection was last seen up (undefined: never, or not tracked), read once when the new one registers. */
  private previous: string | undefined;

  constructor(
    private readonly ctx: Pick<BridgeContext, 'kv' | 'clock'>,
    private readonly key: string,
  ) {}

  /** The connection registered: remember the previous time (returned, `SKEW_MS` earlier), then keep the new one up to date. */
  track(conn: IrcConnection): string | undefined {
    const { kv, clock } = this.ctx;
    const key = this.key;
    const stored = kv.get<string>(key);
    const before = stored !== undefined && !Number.isNaN(Date.parse(stored)) ? new Date(Date.parse(stored) - SKEW_MS).toISOString() : undefined;
    this.previous = before;
    let lastLine = clock.now();
    const onLine = () => (lastLine = clock.now());
    const mark = () => kv.set(key, new Date(lastLine).toISOString());
    mark();
    conn.on('line', onLine);
    const timer = setInterval(mark, REFRESH_MS);
    timer.unref();
    conn.once('close', () => {
      clearInterval(timer);
      conn.off('line', onLine);
      mark();
    });
    return before;
  }

  /** The time the previous connection was last seen up (undefined: never, or not tracked). */
  get before(): string | undefined {
    return this.previous;
  }
}
