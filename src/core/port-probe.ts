/**
 * A readiness probe for reconnect loops: while a peer refuses connections, try a bare TCP
 * connect every few hundred ms (closed at once, nothing sent) and report the first that
 * succeeds, so the real connection starts as soon as the peer listens instead of after the
 * backoff that the refused attempts built up. One probe in flight at a time; a probe that
 * neither connects nor fails within the interval is given up.
 */
import { connect, type Socket } from 'node:net';

export const PROBE_EVERY_MS = 250;

/** Socket errors that mean nothing accepted the TCP connection: the peer is not listening (yet). */
const NOT_LISTENING = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN']);

/**
 * Whether a connection attempt failed because the peer does not listen, the only case in which
 * probing helps. A peer that accepts and then resets (ECONNRESET, even before the client saw its
 * connect complete) is up and misbehaving: it gets the backoff, never the probe, so it cannot
 * turn the probe into a reconnect storm.
 */
export function notListening(err: NodeJS.ErrnoException): boolean {
  return err.code !== undefined && NOT_LISTENING.has(err.code);
}

export class PortProbe {
  private timer: NodeJS.Timeout | undefined;
  private socket: Socket | undefined;
  private active = false;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly everyMs = PROBE_EVERY_MS,
  ) {}

  /** Probe until the port accepts, then call `onReady` once. A new start replaces the old one. */
  start(onReady: () => void): void {
    this.stop();
    this.active = true;
    const next = (): void => {
      // Jitter: gateways restarted together do not probe in step.
      this.timer = setTimeout(attempt, Math.round(this.everyMs * (0.5 + Math.random() / 2)));
      this.timer.unref();
    };
    const attempt = (): void => {
      this.timer = undefined;
      const socket = connect({ host: this.host, port: this.port });
      this.socket = socket;
      let settled = false;
      const settle = (ready: boolean): void => {
        if (settled) return;
        settled = true;
        socket.destroy();
        if (this.socket === socket) this.socket = undefined;
        if (!this.active) return;
        if (ready) {
          this.active = false;
          onReady();
        } else next();
      };
      socket.setTimeout(this.everyMs, () => settle(false));
      socket.once('connect', () => settle(true));
      socket.once('error', () => settle(false));
    };
    next();
  }

  stop(): void {
    this.active = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.socket?.destroy();
    this.socket = undefined;
  }
}
