/**
 * The SMS bridge adapter: wires the Twilio API, the webhooks under `/sms/…`, number ownership,
 * limits and delivery tracking into the core's Bridge contract (src/core/bridge.ts).
 */
import type { AdhocCommand } from '../../src/core/adhoc-model.js';
import { FEATURES, type Bridge, type BridgeContext, type BridgeHealth, type ResolvedAddress, type SendOptions, type SendResult } from '../../src/core/bridge.js';
import { StanzaError } from '../../src/core/errors.js';
import type { Outbound } from '../../src/core/model.js';
import { phoneToLocalpart, resolvePhoneLocalpart } from './address.js';
import { smsCommands } from './admin-commands.js';
import type { SmsConfig } from './config.js';
import { DeliveryTracker } from './delivery.js';
import { deliverInbound, handleInboundWebhook, isInboundDeadLetter, type InboundDeps } from './inbound.js';
import { SendLimits } from './limits.js';
import { MediaRehost } from './media.js';
import { NumberDirectory } from './numbers.js';
import { sendSms, type OutboundDeps } from './outbound.js';
import { sendReaction } from './reactions.js';
import { RecentTexts } from './recent.js';
import { handleStatusCallback, STATUS_HANDOFF, takeHandedStatus } from './status.js';
import { TwilioApi } from './twilio-api.js';

const DAY_MS = 86_400_000;
/** Twilio gives up on a queued text after at most 10 h (ValidityPeriod); a week of callbacks is plenty. */
const KEEP_DELIVERY_MS = 7 * DAY_MS;
const KEEP_MEDIA_MS = 30 * DAY_MS;
const PRUNE_EVERY_MS = DAY_MS / 4;
const RESOLVE_CACHE = 10_000;

export class SmsBridge implements Bridge {
  readonly commands: AdhocCommand[];
  readonly gateway: NonNullable<Bridge['gateway']>;
  private readonly numbers: NumberDirectory;
  private readonly tracker: DeliveryTracker;
  private readonly limits: SendLimits;
  private readonly api: TwilioApi;
  private readonly publicBase: string | undefined;
  private readonly media: MediaRehost | undefined;
  private current: BridgeHealth = { canDeliver: true };
  private pruneTimer: NodeJS.Timeout | undefined;
  private readonly resolved = new Map<string, ResolvedAddress>();
  private readonly recent: RecentTexts;
  private readonly contactFeatures: string[];

  constructor(
    private readonly ctx: BridgeContext,
    private readonly config: SmsConfig,
  ) {
    this.numbers = new NumberDirectory(ctx.kv, config.numbers);
    this.recent = new RecentTexts(ctx.kv);
    this.contactFeatures = [FEATURES.receipts, FEATURES.oob, ...(config.reactions === 'text' ? [FEATURES.reactions] : [])];
    this.tracker = new DeliveryTracker(ctx.kv, () => ctx.clock.now());
    this.limits = new SendLimits(ctx.kv, config.limits);
    this.api = new TwilioApi({
      accountSid: config.account_sid,
      authToken: config.auth_token,
      timeoutMs: config.request_timeout_ms,
      ...(config.api_base_url ? { baseUrl: config.api_base_url } : {}),
    });
    this.publicBase = config.public_url ?? ctx.http.publicUrl;
    this.media =
      config.media.rehost && this.publicBase
        ? new MediaRehost(ctx, { accountSid: config.account_sid, authToken: config.auth_token }, this.publicBase, config.media.max_bytes)
        : undefined;
    this.commands = smsCommands(this.numbers, config.default_country, (u) => ctx.isAllowed(u));
    // XEP-0100 §6 jabber:iq:gateway: the client's "add contact" dialog turns a typed number into a JID.
    this.gateway = {
      desc: 'Enter the phone number of the contact, with its country code (e.g. +1 555 123 4567).',
      prompt: 'Phone number',
      toLocalpart: (typed: string): string => this.resolve(typed).localpart,
    };
  }

  async start(): Promise<void> {
    const base = this.publicBase;
    if (!base) {
      throw new Error('bridges.sms: webhooks need a public URL: set http.public_url (or the bridge option public_url)');
    }
    const deps = this.inboundDeps(base);
    this.ctx.http.mount('/inbound', (req, res) => handleInboundWebhook(deps, req, res));
    const statusDeps = { ...deps, tracker: this.tracker };
    this.ctx.http.mount('/status', (req, res) => handleStatusCallback(statusDeps, req, res));
    if (deps.media) {
      const media = deps.media;
      this.ctx.http.mount('/media', (req, res) => media.serve(req, res));
    }
    this.prune();
    this.pruneTimer = setInterval(() => this.prune(), PRUNE_EVERY_MS);
    this.pruneTimer.unref();
    this.ctx.log.info(
      { event: 'started', webhook: `${base}/inbound`, status_callback: `${base}/status`, numbers: this.numbers.list().length },
      `SMS bridge ready; point your Twilio numbers' messaging webhook at ${base}/inbound`,
    );
  }

  async stop(): Promise<void> {
    clearInterval(this.pruneTimer);
  }

  /** Sharded mode: a status callback that landed on another slot's instance (status.ts). */
  async takeHandoff(kind: string, payload: Readonly<Record<string, string>>): Promise<boolean> {
    if (kind !== STATUS_HANDOFF) return false;
    return takeHandedStatus({ ctx: this.ctx, tracker: this.tracker }, payload);
  }

  resolve(localpart: string): ResolvedAddress {
    // Parsing a number costs ~0.1 ms (libphonenumber country detection) and the core resolves
    // each stanza's address: remember recent answers (deterministic, so a cache is safe).
    const cached = this.resolved.get(localpart);
    if (cached) return cached;
    const parsed = resolvePhoneLocalpart(localpart, this.config.default_country);
    // What a phone number carries (core/features.ts): delivery receipts (Twilio status callbacks),
    // media (MMS), and reactions only when they are sent as texts (`reactions: text`).
    const answer = parsed.kind === 'contact' ? { ...parsed, features: this.contactFeatures } : parsed;
    if (this.resolved.size >= RESOLVE_CACHE) this.resolved.clear();
    this.resolved.set(localpart, answer);
    return answer;
  }

  toLocalpart(address: string): string {
    return phoneToLocalpart(address, this.config.default_country);
  }


  async send(event: Outbound, options: SendOptions = {}): Promise<SendResult> {
    switch (event.kind) {
      case 'message': {
        // XEP-0461: the reply's quote is already gone; the text goes alone (SMS has no threads).
        const result = await sendSms(this.outboundDeps(), event, options.signal);
        this.recent.add(event.user, event.to, [event.id, event.originId], event.body);
        return result;
      }
      case 'reaction':
        return sendReaction(
          { recent: this.recent, mode: this.config.reactions, sendText: (text) => sendSms(this.outboundDeps(), text, options.signal) },
          event,
        );
      case 'retraction':
        throw new StanzaError('feature-not-implemented', 'SMS cannot unsend a text; it was already delivered. Nothing was sent.', { type: 'cancel' });
      case 'chatstate':
        return {}; // SMS has no typing notifications (the core drops them before the outbox anyway)
      case 'correction':
        throw new StanzaError('feature-not-implemented', 'SMS cannot correct a text that was already sent; send a new one.', { type: 'cancel' });
      default:
        throw new StanzaError('feature-not-implemented', `SMS cannot carry a ${event.kind}.`, { type: 'cancel' });
    }
  }

  async retryDeadLetter(payload: unknown): Promise<void> {
    if (!isInboundDeadLetter(payload)) throw new StanzaError('bad-request', 'Not an SMS dead letter.');
    const to = payload.params.To ?? '';
    const owner = this.numbers.ownerOf(to, payload.params.MessagingServiceSid);
    if (!owner) throw new StanzaError('item-not-found', `${to} is still assigned to nobody: assign it first.`);
    if (!this.publicBase) throw new StanzaError('service-unavailable', 'The SMS bridge is not started.');
    await deliverInbound(this.inboundDeps(this.publicBase), owner, payload.params);
  }

  private inboundDeps(base: string): InboundDeps {
    const { ctx, config } = this;
    return {
      ctx,
      authToken: config.auth_token,
      accountSid: config.account_sid,
      publicBase: base,
      maxBodyBytes: config.webhooks.max_body_bytes,
      numbers: this.numbers,
      toLocalpart: (a) => this.toLocalpart(a),
      recent: this.recent,
      ...(this.media ? { media: this.media } : {}),
    };
  }

  private outboundDeps(): OutboundDeps {
    return {
      ctx: this.ctx,
      config: this.config,
      api: this.api,
      numbers: this.numbers,
      limits: this.limits,
      tracker: this.tracker,
      statusCallback: `${this.publicBase ?? ''}/status`,
      canonical: (l) => this.resolve(l).localpart,
      reachable: (ok, reason) => this.reachable(ok, reason),
    };
  }

  /** Forget delivery state and media links that cannot matter any more. */
  private prune(): void {
    const now = this.ctx.clock.now();
    const texts = this.tracker.prune(now - KEEP_DELIVERY_MS);
    const media = this.media?.prune(now - KEEP_MEDIA_MS) ?? 0;
    this.limits.prune(now - DAY_MS);
    if (texts + media > 0) this.ctx.log.info({ event: 'pruned', texts, media }, 'old SMS state pruned');
  }

  /** Health from the last API call: unreachable Twilio makes contacts unavailable (core presence). */
  private reachable(ok: boolean, reason?: string): void {
    if (ok ? this.current.canDeliver : !this.current.canDeliver && this.current.reason === reason) return;
    this.current = ok ? { canDeliver: true } : { canDeliver: false, reason: reason ?? 'Twilio API unreachable' };
    this.ctx.setHealth(this.current);
  }
}
