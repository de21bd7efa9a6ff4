/**
 * One bridge's pipeline: XEP-0114 component ⇄ core ⇄ adapter (design.md §1.1). It owns the
 * component connection, the two outbox lanes (out = to the network, in = to XMPP), the iq
 * services of the domain, and the access policy check on every stanza.
 */
import type { Logger } from 'pino';
import type { LoadedBridge } from '../config.js';
import type { CoreConfig } from '../config-schema.js';
import type { GatewayHttp } from '../http.js';
import type { GatewayMetrics } from '../metrics.js';
import { AdhocService } from '../xmpp/adhoc.js';
import { ComponentConnection } from '../xmpp/component.js';
import { registerDisco } from '../xmpp/disco.js';
import { registerGateway } from '../xmpp/gateway.js';
import { IqRouter } from '../xmpp/iq.js';
import { IqClient } from '../xmpp/iq-client.js';
import { registerMam } from '../xmpp/mam.js';
import { registerMucAdmin } from '../xmpp/muc-admin.js';
import { registerMucOwner } from '../xmpp/muc-owner.js';
import { oversizedReply, oversizedResponse } from '../xmpp/oversized.js';
import { PresenceService } from '../xmpp/presence.js';
import { StanzaReceiver } from '../xmpp/receiver.js';
import { encodeInbound, withStanzaIds } from '../xmpp/stanza.js';
import type { AccessPolicy } from './access.js';
import { adminCommands } from './admin-commands.js';
import type { Bridge, BridgeContext, BridgeHealth } from './bridge.js';
import { createBridgeContext } from './context.js';
import { BounceTracker } from './bounces.js';
import { Delivery, type OutPayload } from './delivery.js';
import { InboundDeadReports } from './inbound-dead.js';
import type { Inbound, Outbound } from './model.js';
import { OutboxLane } from './outbox.js';
import type { CoreRooms } from './rooms.js';
import type { Store } from './store.js';

export interface PipelineDeps {
  loaded: LoadedBridge;
  core: CoreConfig;
  store: Store;
  log: Logger;
  http: GatewayHttp;
  metrics: GatewayMetrics;
  access: AccessPolicy;
  signal: AbortSignal;
  reload(): Promise<string>;
  secretKey?: Buffer | undefined; // the key of per-user secrets (config `secrets`), if one is configured
}

export class BridgePipeline {
  readonly id: string;
  readonly domain: string;
  readonly component: ComponentConnection;
  readonly bridge: Bridge;
  readonly ctx: BridgeContext;
  private readonly lanes: { in: OutboxLane; out: OutboxLane };
  private readonly presence: PresenceService;
  private healthState: BridgeHealth = { canDeliver: true };
  private readonly metrics: GatewayMetrics;
  /** The rooms of the bridge's users (design.md §4a). */
  readonly rooms: CoreRooms;
  private enqueueOut: (event: Outbound) => void = () => undefined;

  constructor(deps: PipelineDeps) {
    const { loaded, core, store, metrics } = deps;
    this.id = loaded.id;
    this.metrics = metrics;
    metrics.bridgeCanDeliver.set({ bridge: this.id }, 1);
    this.domain = loaded.entry.domain;
    const log = deps.log.child({ bridge: this.id });
    this.component = new ComponentConnection({
      host: core.xmpp.host,
      port: core.xmpp.port,
      domain: this.domain,
      secret: loaded.entry.component_secret,
      maxStanzaSize: core.xmpp.max_stanza_size,
      maxOutgoingStanzaSize: core.xmpp.max_outgoing_stanza_size,
      reconnect: { initialDelayMs: core.xmpp.reconnect.initial_delay_ms, maxDelayMs: core.xmpp.reconnect.max_delay_ms },
      log: log.child({ part: 'component' }),
      traceXml: core.log.trace_xml,
    });
    const clock = { now: () => Date.now() };
    const iqClient = new IqClient(this.domain, (el) => this.component.send(el));
    const ctx = createBridgeContext({
      id: this.id,
      domain: this.domain,
      store,
      log,
      http: deps.http.forBridge(this.id),
      metrics: { count: (event, n = 1) => metrics.bridgeEvents.inc({ bridge: this.id, event }, n), include: (registry) => metrics.include(registry) },
      signal: deps.signal,
      clock,
      isAllowed: (u) => deps.access.isAllowed(u),
      isAdmin: (u) => deps.access.isAdmin(u),
      onEnqueued: (direction, okey) => this.lanes[direction].kick(okey),
      onHealth: (h) => this.setHealth(h),
      queryUser: (q) => iqClient.query(q),
      secretKey: deps.secretKey,
    });
    this.ctx = ctx;
    this.rooms = ctx.rooms;
    this.bridge = loaded.definition.create(this.ctx, loaded.options);
    const send = (el: import('ltx').Element) => {
      metrics.stanzasOut.inc({ bridge: this.id, kind: el.name });
      return this.component.send(el);
    };
    const retry = { maxAttempts: core.outbox.max_attempts, baseDelayMs: core.outbox.base_delay_ms, maxDelayMs: core.outbox.max_delay_ms };
    const tracker = new BounceTracker({
      repo: store.bounces,
      bridge: this.id,
      windowMs: core.outbox.bounce_window_ms,
      maxEntries: core.outbox.bounce_max_tracked,
      now: clock.now,
    });
    const reports = new InboundDeadReports({ bridgeId: this.id, bridge: this.bridge, store, log, now: clock.now, kick: (okey) => this.lanes.out.kick(okey) });
    const delivery = new Delivery({
      bridgeId: this.id,
      domain: this.domain,
      bridge: this.bridge,
      ctx: this.ctx,
      store,
      log,
      send,
      now: clock.now,
      rooms: this.rooms,
      bounces: { tracker, retry },
      inboundDead: (row, reason) => reports.enqueue(row, reason),
    });
    const laneOptions = {
      bridge: this.id,
      concurrency: core.outbox.concurrency,
      retry,
      attemptTimeoutMs: core.outbox.attempt_timeout_ms,
      sweepMs: core.outbox.sweep_interval_ms,
      now: clock.now,
      log,
    };
    const outcome = (direction: 'in' | 'out') => (_row: unknown, o: string) => metrics.deliveries.inc({ bridge: this.id, direction, outcome: o });
    this.lanes = {
      out: new OutboxLane(store.outbox, { ...laneOptions, direction: 'out' }, { ...reports.wrap(delivery.outHooks()), onOutcome: outcome('out') }),
      in: new OutboxLane(store.outbox, { ...laneOptions, direction: 'in', pipelined: true }, { ...delivery.inHooks(), onOutcome: outcome('in') }),
    };
    this.lanes.in.pause();
    metrics.watchLanes(this.lanes.out, this.lanes.in);
    const router = new IqRouter(log);
    const adhoc = new AdhocService({
      domain: this.domain,
      isAdmin: (u) => deps.access.isAdmin(u),
      commands: () => [
        ...adminCommands({
          bridgeId: this.id,
          store,
          now: clock.now,
          reload: deps.reload,
          status: () => ({
            online: this.component.status === 'online',
            ...(this.component.onlineSince !== undefined ? { onlineSince: this.component.onlineSince } : {}),
            reconnects: this.component.reconnects,
            ...this.health(),
          }),
          ...(this.bridge.retryDeadLetter ? { retryBridgeDeadLetter: (p: unknown) => this.bridge.retryDeadLetter!(p) } : {}),
          // A revived row is due now, but an idle lane only wakes for enqueues and retry timers.
          onRevived: () => {
            this.lanes.out.kick();
            this.lanes.in.kick();
          },
        }),
        ...(this.bridge.commands ?? []),
      ],
    });
    adhoc.register(router);
    const disco = registerDisco(router, {
      identity: loaded.definition.identity,
      bridge: this.bridge,
      rooms: this.rooms,
      adhoc,
      ...(loaded.definition.contactIdentity ? { contactIdentity: loaded.definition.contactIdentity } : {}),
    });
    registerGateway(router, this.bridge, this.domain);
    this.presence = new PresenceService({
      bridgeId: this.id,
      domain: this.domain,
      bridge: this.bridge,
      hasPresence: loaded.definition.hasPresence,
      store,
      send,
      health: () => this.health(),
      userAvailable: (user) => {
        if (delivery.userAvailable(user) > 0) this.lanes.in.kick();
      },
      caps: (user, localpart) => disco.caps(user, localpart),
    });
    const enqueue = (event: Outbound, iq?: OutPayload['iq']) => {
      const res = delivery.enqueueOut(event, iq);
      if (!res.duplicate) this.lanes.out.kick(res.okey);
      return res;
    };
    this.enqueueOut = enqueue;
    registerMucAdmin(router, this.bridge, enqueue);
    registerMucOwner(router, this.bridge, ctx.archive.settings);
    registerMam(router, this.bridge, ctx.archive, this.domain, send);
    const receiver = new StanzaReceiver({
      domain: this.domain,
      bridge: this.bridge,
      access: deps.access,
      router,
      presence: this.presence,
      store,
      bridgeId: this.id,
      log,
      send,
      enqueue,
      iqClient,
      presenceToBridge: loaded.definition.hasPresence,
      bounced: (user, id, fromResource, reason) => {
        const outcome = delivery.bounce(user, id, fromResource, reason);
        if (outcome === undefined) return false;
        metrics.deliveries.inc({ bridge: this.id, direction: 'in', outcome: outcome === 'dead' ? 'dead' : 'bounced' });
        if (outcome === 'retry') this.lanes.in.rescheduled();
        return true;
      },
    });
    this.component.on('stanza', (el) => {
      metrics.stanzasIn.inc({ bridge: this.id, kind: el.name });
      receiver.receive(el).catch((err: unknown) => log.error({ event: 'bug', err }, 'stanza handling failed'));
    });
    // A stanza over max_stanza_size was skipped: count it, tell its sender, keep the stream.
    this.component.on('oversized', (stanza) => {
      metrics.stanzasOversized.inc({ bridge: this.id });
      const limit = core.xmpp.max_stanza_size;
      const reply = oversizedReply(stanza, limit, this.domain);
      const { from, to, id, type } = stanza.attrs;
      log.warn(
        { event: 'stanza_too_large', name: stanza.name, from, to, id, type, size: stanza.size, limit, answered: reply !== undefined },
        `skipped a ${stanza.name || 'top-level element'} of ${stanza.size} bytes (limit ${limit})`,
      );
      const response = oversizedResponse(stanza, limit);
      if (response) iqClient.onResponse(response);
      if (reply) send(reply).catch((err: unknown) => log.warn({ event: 'answer_failed', id, err }, 'could not answer an oversized stanza'));
    });
    this.component.on('status', (status) => {
      metrics.componentOnline.set({ bridge: this.id }, status === 'online' ? 1 : 0);
      if (status === 'online') {
        this.lanes.in.resume();
        void this.presence.broadcast();
      } else {
        this.lanes.in.pause();
        iqClient.rejectAll(`the component ${this.domain} is ${status}`);
      }
      if (status === 'offline') metrics.reconnects.inc({ bridge: this.id });
    });
  }

  /** What the bridge last reported with `ctx.setHealth` (able to deliver until it says otherwise). */
  health = (): BridgeHealth => this.healthState;

  private setHealth(h: BridgeHealth): void {
    const before = this.healthState;
    if (before.canDeliver === h.canDeliver && before.reason === h.reason) return;
    // A copy: the bridge may mutate the object it reported.
    this.healthState = h.canDeliver ? { canDeliver: true } : { canDeliver: false, ...(h.reason !== undefined ? { reason: h.reason } : {}) };
    this.metrics.bridgeCanDeliver.set({ bridge: this.id }, h.canDeliver ? 1 : 0);
    this.ctx.log[h.canDeliver ? 'info' : 'warn']({ event: 'health', canDeliver: h.canDeliver, reason: h.reason }, h.canDeliver ? 'network reachable' : `network unreachable: ${h.reason ?? ''}`);
    // Down and up alike, every subscriber hears of it (RFC 6121 §4.2: the contact's new presence).
    if (this.component.status === 'online') void this.presence.broadcast();
  }

  /** Start the adapter, then the component; resolves when online (rejects on a fatal error). */
  async start(): Promise<void> {
    // A restart is invisible (design.md §4a): rooms are restored before the bridge starts (one it
    // rejoins by itself, an IRC persistent channel, finds its resources), then rejoined in order.
    const restored = this.rooms.restore();
    await this.bridge.start();
    for (const r of restored) this.enqueueOut({ kind: 'join', user: r.user, to: r.room, nick: r.nick, rejoin: true });
    this.lanes.out.resume();
    await this.component.start();
  }

  /**
   * Graceful stop: no new items; in-flight ones finish; presences say so; the stream closes. The
   * users' rooms are kept for the next start (design.md §4a), unless the stop is `final`: then
   * every joined resource is told its rooms are gone (XEP-0045 §9.3: 110 + 332) and they are forgotten.
   */
  async stop(final = false): Promise<void> {
    await Promise.all([this.lanes.out.stop(), this.lanes.in.stop()]);
    await this.bridge.stop().catch((err: unknown) => this.ctx.log.error({ err }, 'bridge stop failed'));
    const ended = final ? this.rooms.endAll('The gateway is shutting down for good.') : [];
    if (this.component.status === 'online') {
      for (const event of ended) await this.sendNow(event);
      await this.presence.broadcast(true);
    }
    await this.component.stop();
  }

  /** A stanza straight to the XMPP server, outside the outbox (a stop: nothing is left to retry it). */
  private async sendNow(event: Inbound): Promise<void> {
    const el = encodeInbound(withStanzaIds(event), this.domain);
    this.metrics.stanzasOut.inc({ bridge: this.id, kind: el.name });
    await this.component.send(el).catch(() => undefined);
  }
}
