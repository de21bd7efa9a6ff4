/** The TLS side of an IRC connection: certificate verification, or a SHA-256 pin instead of it, and the client certificate. */
import { readFileSync } from 'node:fs';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';

export interface ServerEndpoint {
  host: string;
  port: number;
  tls: boolean;
  tls_verify: boolean;
  tls_fingerprint?: string;
  /** TLS because an STS policy says so (sts.ts): a failure is an error, never a plaintext retry. */
  sts?: boolean;
}

export function openTls(server: ServerEndpoint, client: { cert_file?: string; key_file?: string }): TLSSocket {
  return tlsConnect({
    host: server.host,
    port: server.port,
    // RFC 6066 §3: SNI carries host names, never IP literals.
    servername: /^[\d.:]+$/.test(server.host) ? undefined : server.host,
    // A pinned fingerprint replaces CA verification (self-signed servers).
    rejectUnauthorized: server.tls_verify && !server.tls_fingerprint,
    ...(client.cert_file ? { cert: readFileSync(client.cert_file) } : {}),
    ...(client.key_file ? { key: readFileSync(client.key_file) } : {}),
  });
}

/** Whether the peer certificate's SHA-256 fingerprint is the pinned one (hex, colons optional). */
export function fingerprintMatches(socket: TLSSocket, pin: string): boolean {
  const norm = (s: string) => s.replace(/:/g, '').toLowerCase();
  return norm(socket.getPeerCertificate().fingerprint256 ?? '') === norm(pin);
}
