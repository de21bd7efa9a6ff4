/** What an IRC connection (connection.ts) is opened with, and the events it emits. */
import type { SaslParams } from './cap-negotiation.js';
import type { Refusal } from './input-text.js';
import type { NickCollision } from './nick-alternatives.js';
import type { ServerEndpoint } from './irc-socket.js';
import type { IrcLine } from './line.js';
import type { IrcEvent } from './events.js';

export interface ConnectParams {
  server: ServerEndpoint;
  nick: string;
  username: string;
  realname: string;
  password?: string;
  sasl: SaslParams;
  encodingFallback: 'latin1' | 'none';
  connectTimeoutMs: number;
  pingIntervalMs: number;
  /** Longest line read, in bytes (config `bounds.line_bytes`). */
  maxLineBytes: number;
  /** CAP LS continuation lines read at most (config `bounds.cap_ls_lines`). */
  capLsLines: number;
  /** A nick in use at registration: fail with conflict (default) or try `nick_`, `nick_2`… (nick-alternatives.ts). */
  nickCollision?: NickCollision;
  /** Sent first, before CAP and NICK (https://ircv3.net/specs/extensions/webirc). */
  webirc?: WebircParams;
}

export interface WebircParams {
  password: string;
  gateway: string;
  hostname: string;
  ip: string;
}

/** Both ends of the TCP connection, for the identd (RFC 1413 queries name them by port). */
export interface SocketEnds {
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
}

export interface IrcConnectionEvents {
  /** Each line, parsed and cleaned: the client's own business (registration, CAP, tests); the bridge reads `event`. */
  line: [IrcLine];
  /** What the bridge reads (design.md §4b): a typed event per line it acts on, then `registered` and `closed`. */
  event: [IrcEvent];
  /** The TCP connection is up (before TLS and registration: an ident lookup starts at the server's accept). */
  socket: [SocketEnds];
  close: [{ reason: string; banned: boolean }];
  /** An STS persistence policy seen over TLS (https://ircv3.net/specs/extensions/sts): keep it `duration` s (0: drop it). */
  sts: [{ host: string; port: number; duration: number }];
  /** A line was not handled: over the length bound, or an identifier made only of control characters. */
  discarded: [{ reason: 'too-long' | Refusal['refused'] }];
}
