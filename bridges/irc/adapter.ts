/** The IRC bridge adapter: addressing, sessions per (user, network), and `send` dispatch. */
import type { AdhocCommand, FormField } from '../../src/core/adhoc-model.js';
import type { AffiliationEntry, Bridge, BridgeContext, ItemsPage, PageRequest, ResolvedAddress, SendOptions, SendResult, UserPresence } from '../../src/core/bridge.js';
import { StanzaError } from '../../src/core/errors.js';
import type { Affiliation, Outbound, UserJid } from '../../src/core/model.js';
import { excerpt, parseLocalpart as parseAddress, type IrcAddress } from './address.js';
import { pageOf } from './channel-list.js';
import { clientTagFeatures } from './client-tag-actions.js';
import { migrateArchive } from './archive-migration.js';
import { migrateHistorySettings } from './history-settings-migration.js';
import { channelConversation, privateConversation } from './conversations.js';
import { ChannelSettingsStore } from './channel-settings.js';
import { applyAway, rejoinPersistentChannels } from './room-hooks.js';
import { UserPresences } from './presence.js';
import type { Room } from './room.js';
import { findNetwork, type IrcConfig } from './config.js';
import type { IrcSession } from './session.js';
import { IrcMetrics } from './metrics.js';
import { SessionRegistry } from './sessions.js';
import { configureCommand } from './settings.js';
import { sealStoredSecrets } from './secret-settings.js';
import { globalConfigureCommand } from './user-defaults.js';

export class IrcBridge implements Bridge {
  private readonly sessions: SessionRegistry;
  private readonly chanTypes = new Map<string, string>();
  /** Per network: the disco features its server's IRCv3 offer allows (resolve() runs for every stanza: no lookup there). */
  private readonly serverFeatures = new Map<string, string[]>();
  private readonly presences = new UserPresences();

  readonly commands: AdhocCommand[];
  private readonly channels: ChannelSettingsStore;
  /** XEP-0045 §10 muc#owner: the bridge's field of the core's form, persistence (channel-settings.ts); and the ban list. */
  readonly roomConfig: NonNullable<Bridge['roomConfig']>;
  /** XEP-0092 / XEP-0199 on `nick%network`: the nick's CTCP VERSION answer, a CTCP PING round trip. */
  readonly askContact: NonNullable<Bridge['askContact']> = {
    version: async (user, localpart) => {
      const { s, nick } = await this.contactSession(user, localpart);
      return { name: (await s.requests.ctcp.query(nick, 'VERSION')) || 'unknown' };
    },
    ping: async (user, localpart) => {
      const { s, nick } = await this.contactSession(user, localpart);
      await s.requests.ctcp.ping(nick);
    },
  };

  constructor(
    private readonly ctx: BridgeContext,
    private readonly config: IrcConfig,
  ) {
    ctx.archive.setRetention({
      maxMessages: config.archive_max_messages,
      maxDays: config.archive_max_days,
      recordHistory: config.record_history,
      maxHistoryLength: config.max_history_length,
    });
    this.channels = new ChannelSettingsStore(ctx.kv, config);
    const metrics = new IrcMetrics(() =>
      this.sessions.all().map((s) => ({ network: s.deps.networkName, state: s.reconnecting ? 'reconnecting' : s.connected ? 'registered' : 'connecting', queued: s.queue.length }) as const),
    );
    ctx.metrics.include?.(metrics.registry);
    this.sessions = new SessionRegistry({
      ctx,
      config,
      channels: this.channels,
      onRegistered: (network, conn) => {
        this.chanTypes.set(network, conn.isupport.chanTypes);
        this.serverFeatures.set(network, clientTagFeatures(conn, config));
      },
      metrics,
    });
    this.roomConfig = {
      fields: (user, room) => this.ownerFields(user, room),
      submit: (user, room, values) => this.submitOwnerForm(user, room, values),
      affiliations: (user, room, affiliation) => this.affiliations(user, room, affiliation),
    };
    this.commands = [
      configureCommand(ctx.kv, ctx.secrets, (localpart) => this.networkOfService(localpart)),
      globalConfigureCommand(ctx.kv, ctx.archive.settings, config),
    ];
  }

  private networkOfService(localpart: string): string | undefined {
    try {
      const addr = this.parse(localpart);
      return addr.kind === 'service' ? findNetwork(this.config, addr.network)?.name : undefined;
    } catch {
      return undefined;
    }
  }

  /** disco#items: the networks on the gateway JID, the channel list (IRC LIST) on a network JID. */
  async listItems(user: UserJid, localpart: string, page: PageRequest): Promise<ItemsPage> {
    const addr = this.parse(localpart);
    if (addr.kind === 'gateway') {
      const names = Object.keys(this.config.networks).sort();
      return pageOf(names, names, page, this.ctx.domain);
    }
    if (addr.kind !== 'service') return { items: [] };
    const s = this.sessions.get(user, addr.network, true);
    await s.outgoing.connectForMessage({ kind: 'leave', user, to: localpart });
    return s.requests.channelList.items(await s.requests.channelList.list(), page);
  }

  async start(): Promise<void> {
    const moved = migrateArchive(this.ctx.kv, this.ctx.archive);
    if (moved > 0) this.ctx.log.info({ event: 'archive_migrated', messages: moved }, 'moved the IRC archive into the core archive');
    const settings = migrateHistorySettings(this.ctx.kv, this.ctx.archive.settings);
    if (settings > 0) this.ctx.log.info({ event: 'history_settings_migrated', rows: settings }, 'moved the history settings into the core');
    sealStoredSecrets(this.ctx.kv, this.ctx.secrets, this.ctx.log);
    await this.sessions.start();
    this.ctx.log.info({ event: 'started', networks: Object.keys(this.config.networks) }, 'IRC bridge ready');
    rejoinPersistentChannels(this.channels, (user, network) => {
      if (!this.ctx.isAllowed(user)) throw new StanzaError('forbidden', 'No longer allowed on this gateway.');
      return this.sessions.get(user, network, true);
    }, this.config.join_timeout_ms, this.ctx.log);
  }

  /** The session and room of a room local part, when the user's connection is in it. */
  private joinedRoom(user: UserJid, localpart: string): { s: IrcSession; room: Room } | undefined {
    const addr = this.parse(localpart);
    if (addr.kind !== 'room') return undefined;
    const s = this.sessions.find(user, addr.network);
    const room = s?.room(addr.channel);
    return s && room ? { s, room } : undefined;
  }

  private roomAddress(localpart: string): { network: string; channel: string } {
    const addr = this.parse(localpart);
    const found = addr.kind === 'room' ? findNetwork(this.config, addr.network) : undefined;
    if (addr.kind !== 'room' || !found) throw new StanzaError('item-not-found', 'Not an IRC channel.');
    return { network: found.name, channel: addr.channel };
  }

  private async ownerFields(user: UserJid, localpart: string): Promise<FormField[]> {
    const { network, channel } = this.roomAddress(localpart);
    return this.channels.fields(user, network, channel);
  }

  private async submitOwnerForm(user: UserJid, localpart: string, values: Record<string, string[]>): Promise<void> {
    const { network, channel } = this.roomAddress(localpart);
    const now = this.channels.submit(user, network, channel, values);
    const j = this.joinedRoom(user, localpart);
    if (j && !now.persistent) await j.s.requests.membership.partEmptyRoom(channel);
    if (j?.room.joined && now.persistent) this.channels.update(user, network, channel, { localpart: j.room.localpart, nick: j.s.nick });
  }

  /** XEP-0045 §9.5: the channel's ban list, as the user's connection reads it; IRC has no other affiliation list. */
  private async affiliations(user: UserJid, localpart: string, affiliation: Affiliation): Promise<AffiliationEntry[]> {
    if (affiliation !== 'outcast') throw new StanzaError('feature-not-implemented', 'IRC keeps only a ban list (outcast); operators and voice are the occupants\' roles.');
    const j = this.joinedRoom(user, localpart);
    if (!j?.room.joined) throw new StanzaError('not-acceptable', 'Join the channel to read its ban list.');
    return j.s.requests.bans.list(j.room);
  }

  private async contactSession(user: UserJid, localpart: string): Promise<{ s: IrcSession; nick: string }> {
    const addr = this.parse(localpart);
    if (addr.kind !== 'contact') throw new StanzaError('feature-not-implemented', 'Only IRC nicks answer this.');
    const s = this.sessions.get(user, addr.network, true);
    await s.outgoing.connectForMessage({ kind: 'leave', user, to: localpart });
    return { s, nick: addr.nick };
  }

  async stop(): Promise<void> {
    for (const s of this.sessions.all()) s.quit('Switchboard is shutting down');
    await this.sessions.stop();
  }

  /** Member entries held in all shared channel lists (SessionRegistry.memberEntries). */
  memberEntries(): number {
    return this.sessions.memberEntries();
  }

  /** Sessions of a user (tests and admin views). */
  sessionsOf(user: UserJid): IrcSession[] {
    return this.sessions.of(user);
  }

  private parse(localpart: string): IrcAddress {
    return parseAddress(localpart, {
      ...(this.config.fixed_network !== undefined ? { fixedNetwork: this.config.fixed_network } : {}),
      chanTypes: (network) => this.chanTypes.get(findNetwork(this.config, network)?.name ?? network) ?? '#&',
    });
  }

  /**
   * Rooms are non-anonymous (XEP-0045 §15.6), stamp XEP-0359 stanza-ids and have an archive;
   * nicks have one when private messages are kept (`archive_private`).
   */
  resolve(localpart: string): ResolvedAddress {
    const addr = this.parse(localpart);
    if (addr.kind === 'gateway') return { kind: 'service', localpart: '', name: 'IRC gateway' };
    const network = findNetwork(this.config, addr.network)?.name;
    if (!network) throw new StanzaError('item-not-found', `No IRC network called ${excerpt(addr.network)} is configured here.`);
    if (addr.kind === 'service') return { kind: 'service', localpart, name: addr.network };
    if (addr.kind === 'room') {
      const features = ['muc_nonanonymous', 'urn:xmpp:sid:0', ...this.modernFeatures(network)];
      return { kind: 'room', localpart, name: `${addr.channel} on ${addr.network}`, archive: channelConversation(network, addr.channel), features };
    }
    const archive = this.config.archive_private ? { archive: privateConversation(network, addr.nick) } : {};
    return { kind: 'contact', localpart, name: `${addr.nick} on ${addr.network}`, ...archive, features: this.modernFeatures(network) };
  }

  /** What the network's rooms and nicks handle (issue 12), as the last connection to it found its server; none yet: without IRCv3. */
  private modernFeatures(network: string): string[] {
    return this.serverFeatures.get(network) ?? clientTagFeatures(undefined, this.config);
  }

  /**
   * The user's presence → AWAY on every connection (the most available resource speaks for the
   * user). An unavailable resource leaves its rooms by the `leave` the XMPP server sends each of
   * them (RFC 6121 §4.6.3), queued behind that room's messages: never PARTed from here.
   */
  private async applyPresence(event: Extract<Outbound, { kind: 'presence' }>): Promise<SendResult> {
    const presence: UserPresence | undefined = event.available
      ? { available: true, ...(event.show ? { show: event.show } : {}), ...(event.status ? { status: event.status } : {}) }
      : undefined;
    // Going offline: the other resources may be less away than this one was.
    const aggregate = this.presences.update(event.user, event.resource ?? '', presence);
    if (aggregate) await applyAway(this.sessionsOf(event.user), aggregate, this.ctx.log);
    return {};
  }

  /**
   * `options` (the attempt's deadline) goes with a message's lines to the session's flood-control
   * queue (`IrcSession.sendLine`): lines of an aborted attempt still waiting there are not sent.
   * Its `signal` is read there only for a line that has to wait (throttle.ts).
   */
  async send(event: Outbound, options: SendOptions = {}): Promise<SendResult> {
    const attempt = options;
    if (event.kind === 'presence') return this.applyPresence(event);
    const addr = this.parse(event.to);
    if (addr.kind === 'gateway') throw new StanzaError('feature-not-implemented', 'Address a channel (#chan%network), a nick (nick%network) or a network.');
    await this.sessions.closing(event.user, addr.network);
    // A chat state never opens a connection (XEP-0085 notifications are not messages).
    if (event.kind === 'chatstate' && !this.sessions.find(event.user, addr.network)?.connected) return {};
    const s = this.sessions.get(event.user, addr.network, event.kind === 'join' || event.kind === 'message');
    if (event.resource) s.requests.ctcpAnswers.noteResource(event.resource);
    const joinTimeout = this.config.join_timeout_ms;
    if (addr.kind === 'room') {
      const ch = addr.channel;
      switch (event.kind) {
        case 'join':
          if (!s.room(ch) && s.rooms.size >= this.config.limits.channels_per_user) throw new StanzaError('resource-constraint', 'You are in too many IRC channels already.');
          return this.done(await s.requests.membership.join(event, ch, joinTimeout));
        case 'nick':
          return this.done(await s.requests.membership.changeNick(event, ch, joinTimeout));
        case 'leave':
          return s.requests.membership.leave(event, ch);
        case 'message': {
          const r = event.replyTo ? s.requests.tags.replyOf(s.requests.tags.tagTarget(event.toResource ? { nick: event.toResource } : { channel: ch }), event) : { prefix: '', tags: {} };
          if (event.toResource) return this.done(await s.outgoing.sendPrivate(event, event.toResource, r.prefix, attempt, r.tags));
          if (event.type !== 'groupchat') throw new StanzaError('bad-request', 'Messages to a room are groupchat.');
          return this.done(await s.outgoing.sendGroupchat(event, ch, r.prefix, attempt, r.tags));
        }
        case 'retraction':
        case 'reaction':
        case 'chatstate':
          return this.done(await s.requests.tags.send(event, event.toResource ? { nick: event.toResource } : { channel: ch }, attempt));
        case 'correction':
          if (event.toResource) return this.done(await s.outgoing.sendPrivate(event, event.toResource, this.config.correction_prefix, attempt));
          return this.done(await s.outgoing.sendGroupchat(event, ch, this.config.correction_prefix, attempt));
        case 'subject':
          return this.done(await s.requests.commands.setSubject(event, ch));
        case 'moderate':
          return this.done(await s.requests.commands.moderate(event, ch));
        case 'invite': {
          const nick = this.inviteeNick(event.invitee);
          return this.done(await s.requests.commands.invite(event, ch, nick));
        }
      }
    }
    if (event.kind === 'leave' || event.kind === 'join' || event.kind === 'nick') return {};
    if (addr.kind === 'contact' && (event.kind === 'retraction' || event.kind === 'reaction' || event.kind === 'chatstate'))
      return this.done(await s.requests.tags.send(event, { nick: addr.nick }, attempt));
    if (event.kind !== 'message' && event.kind !== 'correction') throw new StanzaError('feature-not-implemented', `${event.kind} is not possible here.`);
    if (addr.kind === 'contact') {
      const r = event.kind !== 'message' ? { prefix: this.config.correction_prefix, tags: {} } : event.replyTo ? s.requests.tags.replyOf(s.requests.tags.tagTarget({ nick: addr.nick }), event) : { prefix: '', tags: {} };
      await s.outgoing.sendPrivate(event, addr.nick, r.prefix, attempt, r.tags);
      return {};
    }
    if (event.kind !== 'message') throw new StanzaError('feature-not-implemented', 'Corrections of raw commands are not possible.');
    await s.outgoing.sendRaw(event);
    return {};
  }

  private done(_: void): SendResult {
    return {};
  }

  private inviteeNick(invitee: string): string {
    if (!invitee.includes('@')) return invitee;
    const [local, rest] = [invitee.slice(0, invitee.lastIndexOf('@')), invitee.slice(invitee.lastIndexOf('@') + 1)];
    if (rest.split('/')[0]!.toLowerCase() === this.ctx.domain.toLowerCase()) {
      const addr = this.parse(local);
      if (addr.kind === 'contact') return addr.nick;
    }
    throw new StanzaError('feature-not-implemented', 'Only IRC users can be invited to an IRC channel.');
  }
}
