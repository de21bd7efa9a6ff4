/** The options of the SMS bridge (`bridges.sms.options` in the YAML); see config.example.yaml. */
import { isSupportedCountry, type CountryCode } from 'libphonenumber-js';
import { z } from 'zod';

const jid = z.string().regex(/^[^@/\s]+@[^@/\s]+$/, 'must be a bare JID like user@example.org');
/** An E.164 number (+15551234567), a short code, or a Messaging Service SID (MG…). */
const sender = z.string().regex(/^(\+[1-9][0-9]{6,14}|[0-9]{3,6}|MG[0-9a-fA-F]{32})$/, 'must be an E.164 number (+15551234567), a short code or a Messaging Service SID (MG…)');

export const smsConfigSchema = z.strictObject({
  /** Twilio Account SID (AC…). */
  account_sid: z.string().regex(/^AC[0-9a-zA-Z]{32}$/, 'must be a Twilio Account SID (AC followed by 32 characters)'),
  /** Twilio Auth Token: set it as ${TWILIO_AUTH_TOKEN}; it signs webhooks too. Never logged. */
  auth_token: z.string().min(1),
  /**
   * Base URL of the Messages API. Unset = https://api.twilio.com (the SDK default, with
   * TWILIO_REGION/TWILIO_EDGE honoured). Set it for a Twilio-compatible provider or a test server.
   */
  api_base_url: z.url().optional(),
  /** Timeout of one Twilio API request. */
  request_timeout_ms: z.number().int().min(100).default(15_000),
  /** Country for numbers typed without +country code (ISO 3166-1 alpha-2). */
  default_country: z
    .string()
    .refine((c) => isSupportedCountry(c), 'must be an ISO 3166-1 alpha-2 country code such as US')
    .transform((c) => c as CountryCode)
    .default('US' as CountryCode),
  /**
   * The public URL of this bridge's webhooks as Twilio calls them (e.g. https://gw.example.org/sms).
   * Default: the gateway's http.public_url + /sms. Signatures are checked against it.
   */
  public_url: z.url().optional(),
  /** Which Twilio number (or Messaging Service SID) each XMPP user sends from and receives on. */
  numbers: z.record(jid, sender).default({}),
  /**
   * XEP-0444 reactions from XMPP users: `error` refuses them (each would be a paid text), `text`
   * sends the added emojis as a short text quoting the message (`👍 to "first words…"`).
   */
  reactions: z.enum(['error', 'text']).default('error'),
  /** Bodies over 1,600 characters: `split` into several texts at word boundaries, or `reject`. */
  long_messages: z.enum(['split', 'reject']).default('split'),
  /** Tell the user how a text was encoded when it costs more than expected. */
  segment_notice: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** Notify when a text takes at least this many segments. */
      min_segments: z.number().int().min(2).default(3),
      /** Notify when a character forces UCS-2 (70 instead of 160 characters per SMS) and the text takes more than one SMS. */
      on_ucs2: z.boolean().default(true),
    })
    .prefault({}),
  limits: z
    .strictObject({
      /** Texts (Twilio messages) a user may send per minute. */
      per_minute: z.number().int().min(1).default(20),
      /** Texts a user may send per UTC day (cost protection). 0 = no cap. */
      daily_cap: z.number().int().min(0).default(500),
    })
    .prefault({}),
  webhooks: z
    .strictObject({
      /**
       * Largest webhook request body read, in bytes. Twilio's are a few KiB (a 1,600-character
       * body, 10 media URLs); a larger one gets 413 and nothing is delivered.
       */
      max_body_bytes: z.number().int().min(4096).default(65_536),
    })
    .prefault({}),
  media: z
    .strictObject({
      /**
       * Serve inbound MMS media from this gateway at unguessable URLs, fetched from Twilio with
       * the account credentials (for accounts with HTTP Basic auth on media enabled).
       */
      rehost: z.boolean().default(false),
      /** Largest media file re-hosted, in bytes. */
      max_bytes: z.number().int().min(1024).default(10 * 1024 * 1024),
    })
    .prefault({}),
});

export type SmsConfig = z.infer<typeof smsConfigSchema>;
