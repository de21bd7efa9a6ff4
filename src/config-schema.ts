/**
 * The core configuration schema. Bridges add theirs under `bridges.<id>.options`, validated by
 * the bridge definition's own `configSchema`. Strict objects: an unknown key is an error.
 */
import { z } from 'zod';

/** Default store.commit_delay_ms (see group-commit.ts). */
export const COMMIT_DELAY_MS = 5;

const jid = z.string().regex(/^[^@/\s]+@[^@/\s]+$/, 'must be a bare JID like user@example.org');
const domain = z.string().regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i, 'must be a domain name');

export const accessSchema = z.strictObject({
  /** Bare JIDs allowed to use the bridge. */
  users: z.array(jid).default([]),
  /** Domains whose users are allowed (every user of `example.org`). */
  domains: z.array(domain).default([]),
});

export const bridgeEntrySchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** A module (npm package name or path relative to the config file) exporting a BridgeDefinition. */
  module: z.string().min(1).optional(),
  /** The component domain this bridge answers, e.g. sms.example.org. */
  domain,
  /** The shared secret of the XEP-0114 component (use ${ENV}). */
  component_secret: z.string().min(1),
  /** Who may use this bridge; when both lists are empty, the top-level `access` applies. */
  access: accessSchema.optional(),
  /** The bridge's own options (see its section of config.example.yaml). */
  options: z.unknown().optional(),
});

export const coreConfigSchema = z.strictObject({
  xmpp: z
    .strictObject({
      /** Where the XMPP server listens for components. */
      host: z.string().default('127.0.0.1'),
      port: z.number().int().min(1).max(65535).default(5347),
      /**
       * Largest stanza accepted from the server, in bytes. A larger one is skipped in bounded
       * memory and its sender gets a policy-violation error; the stream stays up.
       */
      max_stanza_size: z.number().int().min(1024).default(262_144),
      /**
       * Largest stanza the gateway sends, in bytes (after serialisation). A larger one (a huge
       * email body) is refused with policy-violation instead of being written: a server closes
       * the stream on a stanza over its own limit, and the outbox would retry it after every
       * reconnect. 256 KiB is Prosody's c2s_stanza_size_limit and ejabberd's usual
       * max_stanza_size, the lowest limit a stanza meets on its way to a user (Prosody's own
       * component_stanza_size_limit defaults to 512 KiB).
       */
      max_outgoing_stanza_size: z.number().int().min(1024).default(262_144),
      reconnect: z
        .strictObject({
          initial_delay_ms: z.number().int().min(10).default(1000),
          max_delay_ms: z.number().int().min(100).default(60_000),
        })
        .prefault({}),
      /** Give up start-up if the first connection does not succeed within this time. */
      connect_timeout_ms: z.number().int().min(100).default(30_000),
    })
    .prefault({}),
  store: z
    .strictObject({
      path: z.string().default('./switchboard.sqlite'),
      /**
       * A PostgreSQL store instead of the SQLite file at `path` (design.md §5a): instances on one
       * database run active/standby, decided by a lease in it.
       */
      url: z.string().regex(/^postgres(ql)?:\/\//, 'a postgres:// URL').optional(),
      /** The active instance's lease (PostgreSQL only): a standby takes over once it has lapsed. */
      lease: z
        .strictObject({
          /** Instances sharing a lease name share the active role. */
          name: z.string().min(1).default('switchboard'),
          /** The active's lease lasts this long after each renewal; takeover after a crash takes at most about this. */
          ttl_ms: z.number().int().min(1000).default(5000),
          /** The active renews, and a standby tries to take over, this often. */
          heartbeat_ms: z.number().int().min(100).default(1000),
        })
        .prefault({}),
      /**
       * More than one instance on `url` (README "Modes"): `failover`, one active and standbys on
       * any XMPP server; `shard`, every instance active for the users ejabberd routes to it, with
       * `slots` = the component_number of ejabberd's domain_balancing (src/failover/slots.ts).
       */
      cluster: z
        .strictObject({
          mode: z.enum(['failover', 'shard']).default('failover'),
          slots: z.number().int().min(1).max(64).default(2),
        })
        .prefault({}),
      /** `full`: what is acknowledged survives power loss; `normal`: survives process crashes. */
      synchronous: z.enum(['full', 'normal']).default('full'),
      /** Writes nobody waits for are committed at most this long after the first (0: end of the turn). */
      commit_delay_ms: z.number().int().min(0).max(1000).default(COMMIT_DELAY_MS),
      /** Finished outbox items are kept this long (dedupe window), then deleted. */
      keep_done_hours: z.number().min(0).default(168),
    })
    .refine((s) => s.cluster.mode !== 'shard' || s.url !== undefined, { message: 'cluster.mode shard needs a PostgreSQL store (store.url)', path: ['cluster', 'mode'] })
    .prefault({}),
  outbox: z
    .strictObject({
      /** Conversations delivered in parallel per bridge and direction. */
      concurrency: z.number().int().min(1).max(1024).default(32),
      max_attempts: z.number().int().min(1).default(12),
      base_delay_ms: z.number().int().min(1).default(1000),
      max_delay_ms: z.number().int().min(1).default(600_000),
      /**
       * How long a message delivered to a user stays correlated with its outbox item: an error
       * bounce from the XMPP server within this time puts the item back (retried, then dead).
       */
      bounce_window_ms: z.number().int().min(1000).default(120_000),
      /** At most this many delivered messages per bridge are remembered for bounces (oldest forgotten first). */
      bounce_max_tracked: z.number().int().min(100).default(20_000),
      /** Deadline of one delivery attempt: a send still unsettled after it is retried. */
      attempt_timeout_ms: z.number().int().min(10).default(30_000),
      /** How often every conversation is checked for due items that no timer reached (0 = off). */
      sweep_interval_ms: z.number().int().min(0).default(5000),
    })
    .prefault({}),
  http: z
    .strictObject({
      enabled: z.boolean().default(true),
      host: z.string().default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(8080),
      /** The URL the world reaches this server at (webhooks are signed for it), e.g. https://gw.example.org */
      public_url: z.url().optional(),
    })
    .prefault({}),
  log: z
    .strictObject({
      level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
      /** Log every stanza as XML at debug level (the handshake is redacted). */
      trace_xml: z.boolean().default(false),
    })
    .prefault({}),
  /**
   * The key that seals users' secrets in the store (a SASL password; src/core/secrets.ts,
   * AES-256-GCM): 32 random bytes as base64 or hex (`switchboard generate-secret-key`), in a file
   * or from the environment. Without one, users cannot store such secrets. Change it with
   * `switchboard rotate-secrets` (README, Operations).
   */
  secrets: z
    .strictObject({
      /** A file holding the key (relative to this config file). */
      key_file: z.string().min(1).optional(),
      /** The key itself: use `${ENV}`, never the key in the file. */
      key: z.string().min(1).optional(),
    })
    .refine((s) => !(s.key_file && s.key), 'set key_file or key, not both')
    .prefault({}),
  /** Bare JIDs that get the admin ad-hoc commands on every bridge. */
  admins: z.array(jid).default([]),
  /** Who may use the bridges (a bridge's own `access` replaces it). */
  access: accessSchema.prefault({}),
  bridges: z.record(z.string().regex(/^[a-z][a-z0-9_-]*$/, 'bridge ids are lower-case words'), bridgeEntrySchema),
});

export type CoreConfig = z.infer<typeof coreConfigSchema>;
export type BridgeEntry = z.infer<typeof bridgeEntrySchema>;
export type AccessConfig = z.infer<typeof accessSchema>;
