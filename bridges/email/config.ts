/** The email bridge's options (`bridges.email.options`), with their defaults. */
import { z } from 'zod';

const userEntry = z.strictObject({
  /** The user's email address (what contacts see in From and write to). */
  address: z.string().min(3),
  /** Display name in From. */
  name: z.string().optional(),
});

export const emailConfigSchema = z.strictObject({
  /** How each allowed XMPP user gets an email address. */
  addresses: z
    .strictObject({
      /**
       * `{local}` and `{domain}` are the parts of the user's bare JID, e.g. `{local}@mail.example.org`.
       * Without `{domain}` in the pattern, `user_domain` names the JID domain of inbound recipients.
       */
      pattern: z.string().regex(/^[^@]*\{local\}[^@]*@[^@]+$/, 'must look like {local}@mail.example.org').optional(),
      user_domain: z.string().optional(),
      /** Display name template for pattern addresses (`{local}`, `{domain}`); none when absent. */
      display_name: z.string().optional(),
      /** Explicit addresses by bare JID; these win over the pattern. */
      map: z.record(z.string(), userEntry).default({}),
    })
    .refine((a) => !a.pattern || a.pattern.includes('{domain}') || a.user_domain !== undefined, {
      message: 'a pattern without {domain} needs user_domain (the JID domain of inbound recipients)',
      path: ['user_domain'],
    })
    .prefault({}),
  /** The inbound SMTP listener (RFC 5321). */
  smtp: z
    .strictObject({
      enabled: z.boolean().default(true),
      host: z.string().default('0.0.0.0'),
      port: z.number().int().min(0).max(65535).default(2525),
      /** Name in the greeting and EHLO reply; the machine's hostname when absent. */
      greeting_name: z.string().optional(),
      /** Largest message accepted, in bytes (RFC 1870 SIZE; larger → 552). */
      max_size_bytes: z.number().int().min(1024).default(26_214_400),
      max_recipients: z.number().int().min(1).default(50),
      /** Simultaneous connections, in all and per client IP. */
      max_clients: z.number().int().min(1).default(200),
      max_connections_per_ip: z.number().int().min(1).default(20),
      /** Messages per client IP per minute; above it MAIL gets 421-style 450 4.7.1. */
      max_messages_per_minute_per_ip: z.number().int().min(1).default(600),
      socket_timeout_ms: z.number().int().min(1000).default(60_000),
      /** STARTTLS with this certificate and key (PEM file paths); plain SMTP when absent. */
      tls: z.strictObject({ cert: z.string(), key: z.string() }).optional(),
    })
    .prefault({}),
  /** Where outbound mail goes (nodemailer SMTP transport). */
  relay: z
    .strictObject({
      host: z.string().default('127.0.0.1'),
      port: z.number().int().min(1).max(65535).default(25),
      /** Implicit TLS (port 465). */
      secure: z.boolean().default(false),
      /** `require`: refuse to send without STARTTLS; `opportunistic`: use it when offered; `never`. */
      starttls: z.enum(['require', 'opportunistic', 'never']).default('opportunistic'),
      tls_reject_unauthorized: z.boolean().default(true),
      auth: z.strictObject({ user: z.string(), pass: z.string() }).optional(),
      /** Connection, greeting and socket timeout. */
      timeout_ms: z.number().int().min(100).default(30_000),
      pool: z.boolean().default(true),
      max_connections: z.number().int().min(1).default(5),
    })
    .prefault({}),
  /** Optional DKIM signing of outbound mail (RFC 6376). */
  dkim: z
    .strictObject({
      domain: z.string(),
      selector: z.string(),
      /** PEM private key (use ${ENV}) or a path to a PEM file. */
      private_key: z.string(),
    })
    .optional(),
  /**
   * From of the delivery status notifications (RFC 3464) sent for accepted mail that could not
   * be delivered to the XMPP user; default `postmaster@` the domain of the recipient's address.
   */
  postmaster: z.string().regex(/^[^@\s]+@[^@\s]+$/, 'must be an email address').optional(),
  /** Subject of a message that starts a thread without an XMPP <subject>. */
  default_subject: z.string().default('Message from XMPP'),
  /**
   * Longer XMPP subjects are cut (with "…"): one unbroken word cannot be folded, and a header
   * line over 998 octets is refused by relays (RFC 5322 §2.1.1).
   */
  max_subject_chars: z.number().int().min(20).max(900).default(255),
  /** Outbound messages per user per minute; above it → policy-violation. */
  rate_limit_per_minute: z.number().int().min(1).default(60),
  /** Sender authenticity (DKIM RFC 6376, SPF RFC 7208, DMARC RFC 7489). */
  authentication: z
    .strictObject({
      verify: z.boolean().default(true),
      /** Prepended to bodies from senders that did not pass DMARC (or DKIM/SPF without DMARC). */
      unverified_marker: z.string().default('[unverified sender] '),
      /** Refuse mail that fails DMARC with 550 5.7.1 instead of marking it. */
      refuse_failing: z.boolean().default(false),
      /** DNS lookups for verification give up after this long. */
      dns_timeout_ms: z.number().int().min(100).default(5000),
    })
    .prefault({}),
  /** Attachments of inbound mail, served under `<public_url>/email/files/<token>/<name>`. */
  attachments: z
    .strictObject({
      dir: z.string().default('./switchboard-email-files'),
      max_bytes: z.number().int().min(0).default(10_485_760),
      /** Attachment bytes kept per mail in all; later attachments are named, not stored. */
      max_total_bytes: z.number().int().min(0).default(26_214_400),
    })
    .prefault({}),
  /** Bounds on what one inbound mail can make the gateway hold and send to the user. */
  mime: z
    .strictObject({
      /** MIME parts parsed per mail (RFC 2046 sets no limit); past them the user gets a notice. */
      max_parts: z.number().int().min(1).default(1000),
      /** Attachments offered per mail; the rest are counted in a notice. */
      max_attachments: z.number().int().min(0).default(50),
      /** Characters of body text delivered; longer text is cut, with a notice. */
      max_text_chars: z.number().int().min(100).default(65_536),
    })
    .prefault({}),
});

export type EmailConfig = z.infer<typeof emailConfigSchema>;
