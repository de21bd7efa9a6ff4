/**
 * One IRC connection per (XMPP user, network), shared by the user's resources: connection
 * lifecycle, reconnects (backoff + jitter, rejoin, ban detection), and the helpers the IRC event
 * handlers (irc-handlers.ts) and the XMPP actions (actions.ts) share.
 */
import { attemptSignal } from '../../src/core/attempt-signal.js';
import type { BridgeContext } from '../../src/core/bridge.js';
import { StanzaError } from '../../src/core/errors.js';
import type { Inbound, UserJid } from '../../src/core/model.js';
import { contactLocalpart, serviceLocalpart } from './address.js';
import { backoffDelay, type ConnectLimiter } from './backoff.js';
import type { RoomArchive } from './archive.js';
import type { ChannelSettingsStore } from './channel-settings.js';
import type { IrcConfig, NetworkConfig } from './config.js';
import { IrcConnectError, IrcConnection, type ConnectParams, type ServerEndpoint } from './connection.js';
import { EchoTracker, OpenBatches } from './echo.js';
import { handleLine } from './irc-handlers.js';
import { serializeLine, type IrcLine } from './line.js';
import { LineWaiters, type LineMatch } from './line-waiters.js';
import { SessionRooms, type Member, type Room } from './room.js';
import type { RosterRegistry } from './roster.js';
import { rejoin, roomsLost, tellRooms } from './session-rooms.js';
import type { UserNetworkSettings } from './settings.js';
import { ThrottledQueue } from './throttle.js';

export interface SessionDeps {
  ctx: BridgeContext;
  config: IrcConfig;
  networkName: string;
  net: NetworkConfig;
  limiter: ConnectLimiter;
  /** The network part as the user wrote it (replies come from it). */
  networkAddr: string;
  fixed: boolean;
  /** The session ended for good (QUIT done, or gave up); the adapter forgets it. */
  onEnded(session: IrcSession): void;
  /** Chantypes learnt from the server, for addressing. */
  onChanTypes(chanTypes: string): void;
  /** The user's own settings for this network (ad-hoc `configure`). */
  settings(): UserNetworkSettings;
  archive: RoomArchive;
  channels: ChannelSettingsStore;
  /** The network's shared channel member lists. */
  rosters: RosterRegistry;
}

export class IrcSession {
  conn: IrcConnection | undefined;
  readonly queue: ThrottledQueue;
  readonly rooms: SessionRooms;
  /** Lines of a multi-line message already written, by message key (no duplicates on retry). */
  readonly progress = new Map<string, number>();
  /** Our PRIVMSGs waiting for their IRCv3 echo (echo-message). */
  readonly echoes = new EchoTracker();
  /** IRCv3 batches the server has opened. */
  readonly batches: OpenBatches;
  /** MOTD lines (372) forwarded on this connection (config `bounds.motd_lines`). */
  motdLines = 0;
  /** Lines the connection discarded (input-text.ts, line-reader.ts), per reason. */
  private readonly discarded = new Map<string, number>();
  desiredNick = '';
  reconnecting = false;
  banned: string | undefined;
  /** The user's AWAY text ('' = present), applied again after each (re)connection. */
  away = '';
  /** The resource that last sent something through this connection (asked CTCP queries). */
  lastResource: string | undefined;
  private connecting: Promise<void> | undefined;
  private attempt = 0;
  private serverIndex = 0;
  private quitting = false;
  private markEnded!: () => void;
  /** Settles when the session has ended (after its QUIT, or when it gave up). */
  readonly ended = new Promise<void>((resolve) => (this.markEnded = resolve));
  private chain: Promise<void> = Promise.resolve();
  private readonly waiters = new LineWaiters();

  constructor(
    readonly user: UserJid,
    readonly deps: SessionDeps,
  ) {
    this.rooms = new SessionRooms(deps.rosters, this);
    this.batches = new OpenBatches(deps.config.bounds.open_batches);
    const t = deps.net.throttle;
    this.queue = new ThrottledQueue(t.burst, t.lines_per_second, t.max_queue);
  }

  get ctx(): BridgeContext {
    return this.deps.ctx;
  }

  get nick(): string {
    return this.conn?.nick ?? this.desiredNick;
  }

  /** A QUIT is under way: a new need for this network waits for `ended` and opens a new session. */
  get closing(): boolean {
    return this.quitting;
  }

  get connected(): boolean {
    return !!this.conn?.registered && this.conn.isOpen && !this.connecting;
  }

  fold(name: string): string {
    return this.conn ? this.conn.isupport.fold(name) : name.toLowerCase();
  }

  isSelf(nick: string): boolean {
    return this.fold(nick) === this.fold(this.nick);
  }

  room(channel: string): Room | undefined {
    return this.rooms.get(this.fold(channel));
  }

  serviceLocalpart(): string {
    return serviceLocalpart(this.deps.networkAddr, this.deps.fixed);
  }

  contactLocalpart(nick: string): string {
    return contactLocalpart(this.deps.networkAddr, nick, this.deps.fixed);
  }

  /** The real JID shown for an occupant (biboumi: `nick%net@domain/user@host`). */
  memberJid(m: Member): string {
    const bare = `${this.contactLocalpart(m.nick)}@${this.ctx.domain}`;
    return m.user && m.host ? `${bare}/${m.user}@${m.host}` : bare;
  }

  /**
   * Store an event for the user. IRC has no acknowledgement to hold back until the commit, so
   * this does not wait for it (a join with 200 occupants would otherwise wait 200 commits in a
   * row) nor asks for an fsync of its own (`durable: false`). ctx.deliver keeps the call order;
   * a failed commit is logged by the store (it cannot be refused to IRC).
   */
  deliver(event: Inbound, orderingKey?: string, dedupeKey?: string): Promise<void> {
    this.ctx
      .deliver(event, { orderingKey: orderingKey ?? `${this.user}|${event.from}`, durable: false, ...(dedupeKey ? { dedupeKey } : {}) })
      .catch((err: unknown) => this.ctx.log.error({ err, event: 'store_failed', user: this.user }, 'could not store an IRC event for the user'));
    return Promise.resolve();
  }

  /** A message from the network JID (connection progress, server notices). */
  async notify(text: string): Promise<void> {
    if (!this.deps.config.server_messages) return;
    await this.deliver({ kind: 'message', user: this.user, from: this.serviceLocalpart(), type: 'chat', body: text });
  }

  /** Whether the server echoes our PRIVMSGs (IRCv3 echo-message): reflection waits for the echo. */
  get echoMessage(): boolean {
    return !!this.conn?.caps.has('echo-message');
  }

  /** Queue a command behind flood control; resolves once written. */
  /** Queued behind flood control; the running outbox attempt's abort takes it out while it waits. */
  sendLine(command: string, params: readonly string[], tags: Record<string, string> = {}): Promise<void> {
    return this.queue.push(serializeLine(command, params, tags), attemptSignal());
  }

  /** Wait for a line that `match` accepts (true) or refuses (an Error), or time out. */
  waitLine(match: LineMatch, timeoutMs: number, onTimeout: () => Error): Promise<void> {
    return this.waiters.wait(match, timeoutMs, onTimeout);
  }

  /** Connect (first time) unless connected; a reconnect in progress is a transient failure. */
  async ensureConnected(nick: string): Promise<void> {
    if (this.banned) throw new StanzaError('forbidden', this.banned);
    if (this.reconnecting) throw new IrcConnectError('remote-server-timeout', 'The IRC connection is being re-established.');
    if (this.connected) return;
    if (!this.connecting) {
      // A nick the user configured wins over the join nick (biboumi irc_tls_connection).
      this.desiredNick = this.deps.settings().nick ?? nick;
      this.connecting = this.connectOnce().finally(() => (this.connecting = undefined));
    }
    await this.connecting;
  }

  private async connectOnce(): Promise<void> {
    const { net, limiter, ctx } = this.deps;
    const release = await limiter.acquire(ctx.signal);
    const server = net.servers[this.serverIndex % net.servers.length]!;
    try {
      await this.notify(`Connecting to ${server.host}:${server.port} (${server.tls ? 'encrypted' : 'not encrypted'})`);
      this.motdLines = 0;
      const conn = new IrcConnection(connectParams(net, server, this.desiredNick, this.deps.settings(), this.deps.config.bounds));
      this.conn = conn;
      conn.on('line', (line) => this.onLine(conn, line));
      conn.on('close', (info) => this.onClose(conn, info.reason, info.banned));
      conn.on('discarded', ({ reason }) => this.onDiscarded(reason));
      await conn.connect();
      this.deps.onChanTypes(conn.isupport.chanTypes);
      this.attempt = 0;
      await this.notify(`Connected to IRC server${server.tls ? ' (encrypted)' : ''}.`);
      this.queue.attach((line) => conn.writeRaw(line));
      for (const cmd of [...net.after_connect, ...(this.deps.settings().afterConnect ?? [])]) void this.queue.push(cmd.replace('{nick}', conn.nick).replace(/[\r\n\0]/g, ' '));
      if (this.away) void this.sendLine('AWAY', [this.away]).catch(() => undefined);
    } catch (err) {
      this.serverIndex++;
      if (err instanceof IrcConnectError) await this.notify(err.message);
      throw err;
    } finally {
      release();
    }
  }

  /** Logged for the first line of each reason and then every 1000th: a server sending only bad lines does not flood the log. */
  private onDiscarded(reason: 'too-long' | 'controls' | 'missing-params'): void {
    const count = (this.discarded.get(reason) ?? 0) + 1;
    this.discarded.set(reason, count);
    if (count % 1000 !== 1) return;
    const text =
      reason === 'too-long' ? `an IRC line over ${this.deps.config.bounds.line_bytes} bytes was discarded`
      : reason === 'controls' ? 'an IRC line whose nick or target was only control characters was discarded'
      : 'an IRC line without the parameters of its command was discarded';
    this.ctx.log.warn({ event: 'irc-line-discarded', reason, count, user: this.user, network: this.deps.networkName }, text);
  }

  private onLine(conn: IrcConnection, line: IrcLine): void {
    if (conn !== this.conn) return;
    this.chain = this.chain
      .then(() => handleLine(this, line))
      .then(() => this.waiters.dispatch(line))
      .catch((err: unknown) => this.ctx.log.error({ err, event: 'irc-line-failed', command: line.command }, 'handling an IRC line failed'));
  }

  private onClose(conn: IrcConnection, reason: string, banned: boolean): void {
    if (conn !== this.conn) return;
    this.queue.detach();
    this.echoes.rejectAll(new StanzaError('remote-server-timeout', 'The IRC connection was lost before the server confirmed the message; it may not have been delivered.'));
    this.batches.clear();
    this.chain = this.chain.then(() => this.afterClose(conn, reason, banned)).catch((err: unknown) => this.ctx.log.error({ err }, 'IRC close handling failed'));
  }

  private async afterClose(conn: IrcConnection, reason: string, banned: boolean): Promise<void> {
    if (!conn.registered) return; // a failed connect: connectOnce reports it
    if (this.quitting || this.rooms.size === 0) {
      this.end();
      return;
    }
    await this.notify(reason);
    await roomsLost(this, conn);
    if (banned) {
      await this.giveUp(`Disconnected and banned from the IRC server: ${reason}`);
      return;
    }
    await tellRooms(this, 'available', `IRC connection lost (${reason}); reconnecting…`);
    void this.reconnectLoop();
  }

  private async reconnectLoop(): Promise<void> {
    const { reconnect } = this.deps.net;
    this.reconnecting = true;
    for (;;) {
      const delay = backoffDelay(this.attempt++, reconnect.initial_delay_ms, reconnect.max_delay_ms);
      await new Promise((r) => setTimeout(r, delay));
      if (this.quitting || this.ctx.signal.aborted) return;
      try {
        await this.connectOnce();
        break;
      } catch (err) {
        if (err instanceof IrcConnectError && err.banned) return this.giveUp(err.message);
        if (err instanceof IrcConnectError && err.condition === 'conflict') this.desiredNick += '_';
        if (reconnect.max_attempts > 0 && this.attempt >= reconnect.max_attempts) return this.giveUp(`Could not reconnect to IRC: ${(err as Error).message}`);
      }
    }
    this.reconnecting = false;
    for (const room of this.rooms.values()) rejoin(this, room);
  }

  /** Stop for good: every room's resources get an unavailable self-presence (110, 332). */
  async giveUp(reason: string): Promise<void> {
    this.banned = reason;
    await tellRooms(this, 'unavailable', reason);
    this.rooms.clear();
    this.reconnecting = false;
    this.end();
  }

  /** A QUIT the user asked for (raw command): every room ends (110, 332), no reconnect. */
  async userQuit(message: string): Promise<void> {
    await tellRooms(this, 'unavailable', message);
    this.rooms.clear();
    this.quit(message);
  }

  /** QUIT (when no room needs the connection any more, or on stop). */
  quit(message: string): void {
    this.quitting = true;
    this.queue.detach(new Error('IRC connection closed'));
    if (this.conn?.isOpen) this.conn.quit(message);
    else this.end();
  }

  private end(): void {
    this.queue.detach(new Error('IRC connection closed'));
    this.waiters.rejectAll(new StanzaError('recipient-unavailable', 'The IRC connection was closed.'));
    this.deps.onEnded(this);
    this.markEnded();
  }
}

/** Registration parameters: the user's own settings (ad-hoc `configure`) over the network's defaults. */
function connectParams(net: NetworkConfig, server: ServerEndpoint, nick: string, mine: UserNetworkSettings, bounds: IrcConfig['bounds']): ConnectParams {
  return {
    server,
    nick,
    username: mine.username ?? net.username.replace('{nick}', nick),
    realname: mine.realname ?? net.realname.replace('{nick}', nick),
    ...(net.password !== undefined ? { password: net.password } : {}),
    sasl: mine.saslPassword ? { ...net.sasl, mechanism: net.sasl.mechanism === 'none' ? 'plain' : net.sasl.mechanism, password: mine.saslPassword } : net.sasl,
    encodingFallback: net.encoding_fallback,
    connectTimeoutMs: net.connect_timeout_ms,
    pingIntervalMs: net.ping_interval_ms,
    maxLineBytes: bounds.line_bytes,
    capLsLines: bounds.cap_ls_lines,
  };
}
