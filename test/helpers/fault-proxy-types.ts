// What test/helpers/fault-proxy.ts offers: its faults and its counters.

/** 'up': client → target; 'down': target → client. */
export type Way = 'up' | 'down';

export interface FaultProxyStats {
  /** Connections accepted since the start (refused and hung ones included). */
  accepted: number;
  /** Connections that reached the target. */
  forwarded: number;
  /** Connections reset on purpose (refused, reset, went down). */
  reset: number;
  /** Connections closed cleanly on purpose (endAll, endNext, endAt). */
  ended: number;
  /** Connections open now. */
  open: number;
}

export interface FaultProxy {
  readonly port: number;
  readonly stats: FaultProxyStats;
  /** The next `n` connections are accepted and reset at once (the client sees ECONNRESET). */
  refuse(n: number): void;
  /** Reset every live connection now (a peer that crashed mid-stream). */
  resetAll(): void;
  /**
   * Close every live connection cleanly now: each side gets the bytes already on their way to
   * it, then EOF (FIN, never a reset); nothing more is forwarded on them. A peer that shut down
   * gracefully, or a load balancer that drained it.
   */
  endAll(): void;
  /**
   * The next `n` connections are accepted and closed cleanly at once, without reaching the
   * target: the client reads EOF before any byte (a TCP load balancer with no live backend).
   * `Infinity`: every new connection until heal().
   */
  endNext(n: number): void;
  /**
   * Once armed, the first time `text` passes `way` ('up': client → target, 'down': target →
   * client) on any connection, the bytes before it are passed on, the rest is dropped, and
   * that connection is closed cleanly both ways, as by endAll (one-shot). Only bytes that pass
   * after arming are searched; a match may straddle chunks. E.g. `endAt('up', 'MAIL FROM')`
   * ends an SMTP transaction before the relay sees its envelope.
   */
  endAt(way: Way, text: string): void;
  /** While on, new connections are accepted and never forwarded, and live ones stop moving bytes. */
  hang(on: boolean): void;
  /** Hold each chunk `ms` before passing it on (order kept; 0 turns it off). */
  delay(ms: number): void;
  /** At most this many bytes/s each way per connection (undefined turns it off). */
  throttle(bytesPerSecond: number | undefined): void;
  /** Stop listening and reset the live connections: connecting now fails with ECONNREFUSED. */
  down(): Promise<void>;
  /** Listen again on the same port. Resolves once a connection would be accepted. */
  up(): Promise<void>;
  /** Back to plain forwarding (no refusals, clean closes to come, hang, delay or throttle). */
  heal(): void;
  close(): Promise<void>;
}
