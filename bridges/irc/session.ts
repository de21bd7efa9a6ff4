/**
 * One IRC connection per (XMPP user, network), shared by the user's resources: connection lifecycle,
 * reconnects (backoff + jitter, rejoin, ban detection); the objects that own the rest hang off it.
 */
import type { BridgeContext } from '../../src/core/bridge.js';
import { StanzaError } from '../../src/core/errors.js';
import type { Inbound, UserJid } from '../../src/core/model.js';
import type { BridgeRooms } from '../../src/core/room-types.js';
import { ReconnectSchedule } from '../../src/core/backoff.js';
import { contactLocalpart, serviceLocalpart } from './address.js';
import { IrcConnectError, IrcConnection, type ServerEndpoint } from './client/connection.js';
import { DiscardLog } from './discard-log.js';
import type { SessionDeps } from './session-deps.js';
import type { SessionView } from './session-port.js';
import { EchoTracker } from './client/echo.js';
import { IrcEventHandler } from './irc-handlers.js';
import { ChannelHistory } from './chathistory.js';
import { OutgoingMessages } from './actions.js';
import type { IrcEvent } from './client/events.js';
import { serializeLine } from './client/line.js';
import { EventWaiters, type Answer, type EventMatch } from './client/event-waiters.js';
import type { Room } from './room.js';
import { retryWait } from './reconnect-wait.js';
import { SessionArchive } from './room-history.js';
import { SessionRooms } from './session-rooms.js';
import { SessionRequests } from './session-requests.js';
import { ThrottledQueue, type Abortable } from './client/throttle.js';
import { TypingOut } from './typing.js';

export class IrcSession implements SessionView {
  conn: IrcConnection | undefined;
  readonly queue: ThrottledQueue;
  readonly rooms: SessionRooms;
  readonly archive: SessionArchive;
  readonly history: ChannelHistory; // IRCv3 chathistory after a reconnect
  readonly outgoing: OutgoingMessages = new OutgoingMessages(this); // XMPP → IRC messages (actions.ts)
  readonly echoes = new EchoTracker(); // our PRIVMSGs waiting for their IRCv3 echo (echo-message)
  readonly typing = new TypingOut(); // the `+typing` last sent per target (issue 12)
  readonly inbound: IrcEventHandler; // the lines read, as what the user sees (tests feed it)
  readonly requests: SessionRequests; // what the XMPP side asks of the session (session-requests.ts)
  private readonly discarded: DiscardLog;
  desiredNick = '';
  reconnecting = false;
  banned: string | undefined;
  private away = '';
  private connecting: Promise<void> | undefined;
  /** Waits between reconnect attempts: a short first retry after a stable connection dropped, then the backoff. */
  private readonly schedule: ReconnectSchedule;
  private serverIndex = 0;
  private quitting = false;
  private markEnded!: () => void;
  readonly ended = new Promise<void>((resolve) => (this.markEnded = resolve)); // after its QUIT, or when it gave up
  private chain: Promise<void> = Promise.resolve();
  private readonly waiters = new EventWaiters();

  constructor(
    readonly user: UserJid,
    readonly deps: SessionDeps,
  ) {
    this.rooms = new SessionRooms(deps.rosters, this);
    this.archive = new SessionArchive(user, deps);
    this.history = new ChannelHistory(this);
    this.inbound = new IrcEventHandler(this);
    this.requests = new SessionRequests(this);
    const t = deps.net.throttle;
    const network = { network: deps.networkName };
    this.queue = new ThrottledQueue(t.burst, t.lines_per_second, t.max_queue, Date.now, (ms) => deps.metrics.throttleWait.observe(network, ms / 1000));
    this.discarded = new DiscardLog(deps.ctx.log, deps.config.bounds.line_bytes, { user, network: deps.networkName });
    const r = deps.net.reconnect;
    this.schedule = new ReconnectSchedule({ baseDelayMs: r.initial_delay_ms, maxDelayMs: r.max_delay_ms });
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

  contactLocalpart(nick: string): string {
    return contactLocalpart(this.deps.networkAddr, nick, this.deps.fixed);
  }

  /** The core's rooms (design.md §4a). */
  get xmppRooms(): BridgeRooms {
    return this.deps.ctx.rooms;
  }

  /** The user's presence as AWAY text ('' = present): sent when it changes, and again after each (re)connection. */
  setAway(text: string): Promise<void> | undefined {
    if (this.away === text) return undefined;
    this.away = text;
    return this.connected ? this.sendLine('AWAY', text ? [text] : []) : undefined;
  }

  /** Store an event for the user without waiting for the commit (`durable: false`: IRC acknowledges nothing), in call order. */
  deliver(event: Inbound, dedupeKey?: string): Promise<void> {
    this.ctx
      .deliver(event, { durable: false, ...(dedupeKey ? { dedupeKey } : {}) })
      .catch((err: unknown) => this.ctx.log.error({ err, event: 'store_failed', user: this.user }, 'could not store an IRC event for the user'));
    return Promise.resolve();
  }

  /** A message from the network JID (connection progress, server notices). */
  async notify(text: string): Promise<void> {
    if (!this.deps.config.server_messages) return;
    await this.deliver({ kind: 'message', user: this.user, from: serviceLocalpart(this.deps.networkAddr, this.deps.fixed), type: 'chat', body: text });
  }

  /** Whether the server echoes our PRIVMSGs (IRCv3 echo-message): reflection waits for the echo. */
  get echoMessage(): boolean {
    return !!this.conn?.caps.has('echo-message');
  }

  /** Queue a command behind flood control; resolves once written. An aborted `attempt` takes it out while it waits. */
  sendLine(command: string, params: readonly string[], tags: Record<string, string> = {}, attempt?: Abortable): Promise<void> {
    return this.queue.push(serializeLine(command, params, tags), attempt);
  }

  /** Wait for the event `match` answers with a value (resolved with it) or an Error (a refusal), or time out; offered after the handlers ran. */
  awaitEvent<T>(match: EventMatch<T>, timeoutMs: number, onTimeout: () => Error): Promise<Answer<T>> {
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
    const where = { user: this.user, network: this.deps.networkName, server: `${server.host}:${server.port}` };
    try {
      ctx.log.info({ event: 'irc_connect', ...where, tls: server.tls }, 'connecting to IRC');
      await this.notify(`Connecting to ${server.host}:${server.port} (${server.tls ? 'encrypted' : 'not encrypted'})`);
      this.inbound.connectionOpened();
      const conn = this.deps.openConnection(server, this.desiredNick);
      this.conn = conn;
      conn.on('line', () => this.deps.metrics.lines.inc({ network: this.deps.networkName, direction: 'in' }));
      conn.on('event', (ev) => (ev.type === 'closed' ? this.onClose(conn, ev.reason, ev.banned) : this.onEvent(conn, ev)));
      conn.on('discarded', ({ reason }) => this.discarded.count(reason));
      await conn.connect();
      this.deps.onRegistered(conn);
      this.schedule.online();
      ctx.log.info({ event: 'irc_registered', ...where, nick: conn.nick }, 'registered on IRC');
      await this.notify(`Connected to IRC server${conn.server.tls ? ' (encrypted)' : ''}.`);
      this.queue.attach((line) => {
        conn.writeRaw(line);
        this.deps.metrics.lines.inc({ network: this.deps.networkName, direction: 'out' });
      });
      for (const cmd of [...net.after_connect, ...(this.deps.settings().afterConnect ?? [])]) void this.queue.push(cmd.replace('{nick}', conn.nick).replace(/[\r\n\0]/g, ' '));
      if (this.away) void this.sendLine('AWAY', [this.away]).catch(() => undefined);
      this.history.onRegistered(); // IRCv3 chathistory: private conversations missed meanwhile
    } catch (err) {
      this.serverIndex++;
      ctx.log.warn({ event: 'irc_connect_failed', ...where, reason: (err as Error).message }, 'IRC connection failed');
      if (err instanceof IrcConnectError) await this.notify(err.message);
      throw err;
    } finally {
      release();
    }
  }

  private onEvent(conn: IrcConnection, ev: IrcEvent): void {
    if (conn !== this.conn) return;
    this.chain = this.chain
      .then(() => this.inbound.handleEvent(ev))
      .then(() => this.waiters.dispatch(ev))
      .catch((err: unknown) => this.ctx.log.error({ err, event: 'irc_line_failed', type: ev.type }, 'handling an IRC line failed'));
  }

  private onClose(conn: IrcConnection, reason: string, banned: boolean): void {
    if (conn !== this.conn) return;
    this.queue.detach();
    this.inbound.connectionClosed();
    this.echoes.rejectAll(new StanzaError('remote-server-timeout', 'The IRC connection was lost before the server confirmed the message; it may not have been delivered.'));
    this.chain = this.chain.then(() => this.afterClose(conn, reason, banned)).catch((err: unknown) => this.ctx.log.error({ err, event: 'irc_close_failed' }, 'IRC close handling failed'));
  }

  private async afterClose(conn: IrcConnection, reason: string, banned: boolean): Promise<void> {
    if (!conn.registered) return; // a failed connect: connectOnce reports it
    this.ctx.log.info({ event: 'irc_disconnect', user: this.user, network: this.deps.networkName, reason, banned, quitting: this.quitting }, 'IRC connection closed');
    if (this.quitting || this.rooms.size === 0) {
      this.end();
      return;
    }
    await this.notify(reason);
    if (banned) {
      await this.rooms.lost(undefined);
      await this.giveUp(`Disconnected and banned from the IRC server: ${reason}`);
      return;
    }
    await this.rooms.lost(`IRC connection lost (${reason}); reconnecting…`);
    void this.reconnectLoop();
  }

  /**
   * Reconnect, then rejoin every room: a short first retry after a stable connection dropped, the
   * backoff after that, and while the server refuses, a readiness probe that starts the next
   * attempt as soon as it listens again (issue 10: rejoined within 3 s of the server accepting).
   * Every attempt still waits for the network's connect limit.
   */
  private async reconnectLoop(): Promise<void> {
    const { reconnect, servers } = this.deps.net;
    this.reconnecting = true;
    let refusedBy: ServerEndpoint | undefined;
    let failed = 0;
    for (;;) {
      const delay = this.schedule.next();
      const woken = await retryWait(delay, { probes: this.deps.probes, refusedBy, ended: this.ended, signal: this.ctx.signal });
      if (woken === 'stopped' || this.quitting || this.ctx.signal.aborted) return;
      this.deps.metrics.reconnects.inc({ network: this.deps.networkName });
      this.ctx.log.info({ event: 'irc_reconnect_attempt', user: this.user, network: this.deps.networkName, attempt: failed + 1, waitedMs: delay, woken }, 'reconnecting to IRC');
      // The server that refused listens again: the next attempt goes to it, not round robin on.
      if (woken === 'listening' && refusedBy) this.serverIndex = servers.indexOf(refusedBy);
      try {
        await this.connectOnce();
        break;
      } catch (err) {
        refusedBy = this.conn?.refused ? this.conn.server : undefined;
        if (err instanceof IrcConnectError && err.banned) return this.giveUp(err.message);
        if (err instanceof IrcConnectError && err.condition === 'conflict') this.desiredNick += '_';
        if (reconnect.max_attempts > 0 && ++failed >= reconnect.max_attempts) return this.giveUp(`Could not reconnect to IRC: ${(err as Error).message}`);
      }
    }
    this.reconnecting = false;
    this.rooms.rejoinAll();
  }

  /** Stop for good: every room ends for its resources. */
  async giveUp(reason: string): Promise<void> {
    this.ctx.log.warn({ event: 'irc_stop', user: this.user, network: this.deps.networkName, reason }, 'IRC session stopped for good (banned or out of reconnect attempts)');
    this.banned = reason;
    await this.rooms.end(reason);
    this.reconnecting = false;
    this.end();
  }

  /** A QUIT the user asked for (raw command): every room ends, no reconnect. */
  async userQuit(message: string): Promise<void> {
    await this.rooms.end(message);
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
    this.deps.onEnded();
    this.markEnded();
  }
}
