/** Options of the IRC bridge (`bridges.irc.options`); see config.example.yaml for the commented version. */
import { z } from 'zod';
import { isPrefix } from './user-ident.js';

const serverSchema = z.strictObject({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(6697),
  tls: z.boolean().default(true),
  /** Verify the server certificate (default); turn off only for test networks. */
  tls_verify: z.boolean().default(true),
  /** Pin the certificate: its SHA-256 fingerprint, hex with or without colons. */
  tls_fingerprint: z.string().regex(/^([0-9a-fA-F]{2}:?){32}$/).optional(),
});

export const networkSchema = z.strictObject({
  /** Tried in order, round robin on reconnects. */
  servers: z.array(serverSchema).min(1),
  /** Server password (PASS). */
  password: z.string().optional(),
  sasl: z
    .strictObject({
      mechanism: z.enum(['none', 'plain', 'external']).default('none'),
      /** PLAIN account name; defaults to the user's nick. */
      username: z.string().optional(),
      password: z.string().optional(),
      /** Client certificate and key (PEM files) for TLS and SASL EXTERNAL. */
      cert_file: z.string().optional(),
      key_file: z.string().optional(),
    })
    .prefault({}),
  /**
   * A nick in use at registration (433/436): `conflict` fails the join (biboumi's); `alternative`
   * tries `nick_`, then `nick_2`… (5 tries, within NICKLEN) and the user is told the nick with 210.
   */
  nick_collision: z.enum(['conflict', 'alternative']).default('conflict'),
  /** Raw IRC lines sent after registration, before joins. `{nick}` is replaced. */
  after_connect: z.array(z.string()).default([]),
  /** Defaults for users who have not set their own (ad-hoc). `{nick}`: the join nick; `{ident}` (username): the user's ident (`identd.ident`). */
  username: z.string().default('{nick}'),
  realname: z.string().default('{nick} (Switchboard)'),
  /** Token bucket per connection: `burst` lines at once, then `lines_per_second`; 0 = no throttle. */
  throttle: z
    .strictObject({
      burst: z.number().int().min(1).default(10),
      lines_per_second: z.number().min(0).default(1),
      /** Lines waiting per connection before new messages are refused with resource-constraint. */
      max_queue: z.number().int().min(1).default(1000),
    })
    .prefault({}),
  /** Decode lines that are not UTF-8 as latin-1 (ISO-8859-1) instead of replacing bytes. */
  encoding_fallback: z.enum(['latin1', 'none']).default('latin1'),
  /** Connections of this network opened (connect + registration) at the same time, for all users. */
  max_concurrent_connects: z.number().int().min(1).default(4),
  connect_timeout_ms: z.number().int().min(100).default(20_000),
  reconnect: z
    .strictObject({
      initial_delay_ms: z.number().int().min(10).default(2000),
      max_delay_ms: z.number().int().min(10).default(300_000),
      /** Give up after this many failed attempts in a row (0 = never). */
      max_attempts: z.number().int().min(0).default(0),
    })
    .prefault({}),
  /** Client-side keepalive: PING after this much silence; disconnect after twice as long. */
  ping_interval_ms: z.number().int().min(1000).default(120_000),
  /**
   * WEBIRC (https://ircv3.net/specs/extensions/webirc), for networks that gave the gateway a
   * WebIRC block: each user is shown with their own host and address instead of the gateway's.
   */
  webirc: z
    .strictObject({
      password: z.string().min(1).regex(/^[^\s:]\S*$/, 'no spaces, not starting with ":"'),
      /** The gateway's name in the command (the network's block may name it). */
      gateway: z.string().regex(/^[^\s:]\S*$/, 'no spaces, not starting with ":"').default('switchboard'),
      /** The user's host: `{hash}` is a short hash of the bare JID. Absent: the address below. */
      hostname: z
        .string()
        .regex(/^[A-Za-z0-9.{}-]+$/, 'letters, digits, ".", "-" and {hash}')
        .refine((h) => h.includes('{hash}'), 'must contain {hash}, or every user gets the same host')
        .optional(),
      /** The prefix users' addresses are taken from (CIDR); the rest of the address is a hash of the bare JID. */
      ip_prefix: z.string().refine(isPrefix, 'an IPv6 or IPv4 prefix in CIDR notation, e.g. fd00:5b::/64'),
    })
    .optional(),
});
export type NetworkConfig = z.infer<typeof networkSchema>;

export const ircConfigSchema = z.strictObject({
  /** Networks users may reach, by name: `#chan%<name>@domain`; their hostnames work too. */
  networks: z.record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9.-]*$/), networkSchema).default({}),
  /** Allow `#chan%any.host@domain` for hosts not listed (TLS 6697 then plain 6667). Off by default. */
  allow_any_server: z.boolean().default(false),
  /** Fixed-network mode: rooms are `#chan@domain`, the domain itself is this network. */
  fixed_network: z.string().optional(),
  limits: z
    .strictObject({
      /** IRC connections one XMPP user may hold (one per network). */
      connections_per_user: z.number().int().min(1).default(10),
      connections_total: z.number().int().min(1).default(2000),
      channels_per_user: z.number().int().min(1).default(100),
    })
    .prefault({}),
  /**
   * Bounds on what an IRC server can make the gateway hold (design.md §1.7): a broken or hostile
   * server must not grow memory without end. Each is per connection unless said otherwise.
   */
  bounds: z
    .strictObject({
      /** Longest line read from a server, in bytes without CR LF: 512 (RFC 1459 §2.3) + 8191 of IRCv3 tags. Longer lines are discarded. */
      line_bytes: z.number().int().min(512).default(8703),
      /** Members kept per channel (NAMES replies and JOINs, shared by the users in it); beyond, the occupant list is truncated and users are told. */
      channel_members: z.number().int().min(1).default(10_000),
      /** Channels kept from one LIST reply (disco#items on the network); beyond, the list ends there. */
      list_channels: z.number().int().min(1).default(50_000),
      /** IRCv3 batches open at once; later ones are not tracked (their lines are handled as ordinary lines). */
      open_batches: z.number().int().min(1).default(64),
      /** CAP LS continuation lines read before capability negotiation goes on without the rest. */
      cap_ls_lines: z.number().int().min(1).default(32),
      /** MOTD lines (372) forwarded to the user per connection; the rest is dropped with one notice. */
      motd_lines: z.number().int().min(0).default(200),
      /** Lines kept of one inbound IRCv3 multiline batch (one XMPP message); beyond, the message is cut and says so. */
      multiline_lines: z.number().int().min(1).default(100),
      /** Characters kept of one inbound multiline batch; beyond, the message is cut and says so. */
      multiline_chars: z.number().int().min(512).default(16_384),
      /** Messages remembered per network (shared by its users) for replies, reactions and retractions (XMPP id ⇄ IRC msgid, message-refs.ts). */
      message_refs: z.number().int().min(1).default(5000),
    })
    .prefault({}),
  /**
   * XEP-0461 replies where the server does not relay `+draft/reply`: the text is prefixed with
   * `nick: ` (the parent's author) in rooms (`rooms`), in rooms and private chats (`always`), or never.
   */
  reply_nick_prefix: z.enum(['rooms', 'always', 'never']).default('rooms'),
  /**
   * XEP-0444 reactions where the server does not relay `+draft/react`: `text` sends a line
   * `* nick reacted 👍 to "first words…"` (a /me), `error` refuses with feature-not-implemented.
   */
  reaction_fallback: z.enum(['text', 'error']).default('text'),
  /** XEP-0308 corrections: sent as a new IRC message with this marker before the corrected text. */
  correction_prefix: z.string().default('* '),
  /** Forward server notices and numerics to the user as messages from the network JID. */
  server_messages: z.boolean().default(true),
  /** How long a JOIN may take before the join fails with remote-server-timeout. */
  join_timeout_ms: z.number().int().min(100).default(30_000),
  /** CTCP VERSION answer; empty = the gateway's software name and version (XEP-0092 of the component). */
  version: z.string().default(''),
  /** Messages of a channel's history sent on join (XEP-0045 §7.2.15) unless the user's channel setting says otherwise. */
  max_history_length: z.number().int().min(0).default(20),
  /** Archive channel messages (join history and XEP-0313) unless the user turns it off per channel. */
  record_history: z.boolean().default(true),
  /** Archived messages kept per user and channel (the oldest are dropped beyond it). */
  archive_max_messages: z.number().int().min(1).default(1000),
  /** Archived messages older than this many days are dropped (0 = only the count cap applies). */
  archive_max_days: z.number().min(0).default(30),
  /** Archive private conversations (`nick%network`) too, for XEP-0313 queries on the nick's JID. */
  archive_private: z.boolean().default(true),
  /** IRCv3 echo-message: how long to wait for the server's echo of a sent line before telling the sender it failed. */
  echo_timeout_ms: z.number().int().min(100).default(30_000),
  /**
   * IRCv3 draft/chathistory (https://ircv3.net/specs/extensions/chathistory), where the server or
   * bouncer offers it: after a reconnect or a gateway restart, what each rejoined channel and each
   * private conversation missed since the last archived message (chathistory.ts).
   */
  chathistory: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** Messages asked per conversation (fewer when the server's ISUPPORT CHATHISTORY says so); more in a reply are dropped. */
      max_messages: z.number().int().min(1).max(1000).default(100),
      /** Private conversations asked after a reconnect (CHATHISTORY TARGETS). */
      max_targets: z.number().int().min(0).max(500).default(50),
      /** How long a reply may take; a batch still open then ends there (what came is delivered, the rest ignored). */
      timeout_ms: z.number().int().min(100).default(15_000),
    })
    .prefault({}),
  /** Operator default of the per-channel `persistent` setting: stay joined when the user's clients left. */
  persistent_channels: z.boolean().default(false),
  /**
   * The built-in ident server (RFC 1413): IRC servers asking about one of the gateway's connections
   * get that user's ident, so the username shows without `~`. Port 113 needs root,
   * CAP_NET_BIND_SERVICE or a port redirect (README).
   */
  identd: z
    .strictObject({
      enabled: z.boolean().default(false),
      /** Absent: every address, IPv6 and IPv4 (servers ask the address the gateway connected from). */
      address: z.string().min(1).optional(),
      port: z.number().int().min(0).max(65535).default(113),
      /** The ident of a user: `{hash}` (hex SHA-1 of the bare JID, cut to 10, as biboumi) and `{local}` (the JID's local part). */
      ident: z.string().min(1).default('{hash}'),
    })
    .prefault({}),
});
export type IrcConfig = z.infer<typeof ircConfigSchema>;

/** The network config for an address part: a configured name or hostname, or any host when allowed. */
export function findNetwork(config: IrcConfig, network: string): { name: string; net: NetworkConfig } | undefined {
  const lower = network.toLowerCase();
  for (const [name, net] of Object.entries(config.networks)) {
    if (name.toLowerCase() === lower || net.servers.some((s) => s.host.toLowerCase() === lower)) return { name, net };
  }
  if (!config.allow_any_server) return undefined;
  return {
    name: lower,
    net: networkSchema.parse({ servers: [{ host: lower, port: 6697, tls: true }, { host: lower, port: 6667, tls: false }] }),
  };
}
