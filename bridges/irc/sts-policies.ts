/**
 * Remembered STS policies (https://ircv3.net/specs/extensions/sts), per hostname, in the bridge's
 * key/value store so they outlive restarts: a plaintext server entry whose host has a live policy
 * is connected to with TLS on the policy's port at once. A policy is learnt only from a TLS
 * connection (`duration`), and only when its certificate was checked (CA or pin): the spec wants
 * it from a trusted secure connection. `duration=0` drops it.
 */
import type { KeyValueStore } from '../../src/core/bridge.js';
import type { Logger } from 'pino';
import type { IrcConnection, ServerEndpoint } from './client/connection.js';

const PREFIX = 'sts:';

export interface StsPolicy {
  port: number;
  /** ms since epoch. */
  expiresAt: number;
}

export class StsPolicies {
  constructor(
    private readonly kv: KeyValueStore,
    private readonly now: () => number,
    private readonly log: Logger,
  ) {}

  get(host: string): StsPolicy | undefined {
    const key = PREFIX + host.toLowerCase();
    const p = this.kv.get<StsPolicy>(key);
    if (p && p.expiresAt <= this.now()) {
      this.kv.delete(key);
      return undefined;
    }
    return p;
  }

  /** Where to connect for a configured server: TLS on the policy's port when its host has one. */
  endpoint(server: ServerEndpoint): ServerEndpoint {
    if (server.tls) return server;
    const p = this.get(server.host);
    return p ? { ...server, tls: true, port: p.port, sts: true } : server;
  }

  /**
   * Learn from a connection: the policy it sees over TLS, and again when it closes, since the spec
   * has the expiry rescheduled to `duration` after the client disconnects.
   */
  follow(conn: IrcConnection): void {
    let seen: { port: number; duration: number } | undefined;
    conn.on('sts', (s) => this.record(conn.server, (seen = s)));
    conn.on('close', () => seen && seen.duration > 0 && this.record(conn.server, seen));
  }

  /** A persistence policy seen over TLS to `server` (the endpoint connected to). */
  record(server: ServerEndpoint, seen: { port: number; duration: number }): void {
    const key = PREFIX + server.host.toLowerCase();
    if (!server.tls_verify && !server.tls_fingerprint) {
      this.log.warn({ event: 'sts_ignored', host: server.host }, `STS policy of ${server.host} ignored: its certificate is not verified (tls_verify: false)`);
      return;
    }
    if (seen.duration === 0) {
      if (this.kv.get(key)) this.log.info({ event: 'sts_cleared', host: server.host }, `STS policy of ${server.host} removed (duration=0)`);
      this.kv.delete(key);
      return;
    }
    const policy: StsPolicy = { port: seen.port, expiresAt: this.now() + seen.duration * 1000 };
    const known = this.kv.get<StsPolicy>(key);
    if (!known || known.port !== policy.port) this.log.info({ event: 'sts_policy', host: server.host, port: policy.port, duration: seen.duration }, `STS: ${server.host} is TLS-only on port ${policy.port}`);
    this.kv.set(key, policy);
  }
}
