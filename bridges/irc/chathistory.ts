/**
 * IRCv3 draft/chathistory (https://ircv3.net/specs/extensions/chathistory) where the server or
 * bouncer offers it: after a reconnect or a gateway restart, each rejoined channel, and each
 * private conversation the server names (`CHATHISTORY TARGETS`), asks for what it missed since
 * the last archived message (`CHATHISTORY AFTER <target> msgid=…|timestamp=… <limit>`). The reply,
 * `BATCH +ref chathistory <target>` … `BATCH -ref`, is collected here, bounded, and delivered by
 * chathistory-deliver.ts: deduplicated against the archive, with XEP-0203 delay, archived once.
 *
 * Bounds (design.md §1.7): one request per conversation at a time; at most the limit asked is
 * kept of a reply (the rest is counted and dropped); a reply still open after `timeout_ms` ends
 * there (what came is delivered, and its later lines are swallowed until the batch closes or the
 * connection drops); a batch for a target nobody asked is not collected here.
 */
import type { BatchEvent, FailEvent, HistoryTargetEvent, TextEvent } from './client/events.js';
import type { IrcConnection } from './client/connection.js';
import { anchorOf, isoMillis, requestLimit } from './chathistory-anchor.js';
import { ReplayDelivery, type HistoryReply, type ReplaySession } from './chathistory-deliver.js';
import { SeenTracker } from './chathistory-seen.js';
import type { Room } from './room.js';

interface Request {
  target: string;
  limit: number;
  /** `msgid=…` or `timestamp=…`. */
  anchor: string;
  /** Asked again by time when the server does not know the msgid (the last archived message's time). */
  byTime?: string;
  timer: NodeJS.Timeout;
}

interface Targets {
  since: string;
  ref?: string;
  names: string[];
  timer: NodeJS.Timeout;
}

class HistoryState {
  /** Requests sent, by folded target, until their batch opens. */
  readonly requests = new Map<string, Request>();
  /** Replies being collected, by batch reference; `undefined`: given up on (its lines are swallowed). */
  readonly replies = new Map<string, HistoryReply | undefined>();
  targets: Targets | undefined;
}

/** A session's draft/chathistory requests and the replies being collected, for its current connection. */
export class ChannelHistory {
  /** The current connection's state: a new connection starts afresh. */
  private current: { conn: IrcConnection; st: HistoryState } | undefined;
  private readonly seen: SeenTracker;
  private readonly replay: ReplayDelivery;

  constructor(private readonly s: ReplaySession) {
    this.seen = new SeenTracker(s.ctx, `chathistory:seen\n${s.user}\n${s.deps.networkName}`);
    this.replay = new ReplayDelivery(s);
  }

  /** Whether this session's connection can ask for history (and the operator allows it). */
  private usable(): IrcConnection | undefined {
    const s = this.s;
    const conn = s.conn;
    if (!s.deps.config.chathistory.enabled || !conn?.caps.has('draft/chathistory') || !conn.caps.has('batch')) return undefined;
    return conn;
  }

  private stateOf(conn: IrcConnection): HistoryState {
    if (this.current?.conn !== conn) this.current = { conn, st: new HistoryState() };
    return this.current.st;
  }

  /** The state of the session's connection, if it asked anything. */
  private stateNow(): HistoryState | undefined {
    const conn = this.s.conn;
    return conn && this.current?.conn === conn ? this.current.st : undefined;
  }

  /** Send `CHATHISTORY AFTER <target> <anchor> <limit>`, one at a time per target. */
  private request(conn: IrcConnection, target: string, anchor: string, byTime?: string): void {
    const s = this.s;
    const st = this.stateOf(conn);
    const key = s.fold(target);
    if (st.requests.has(key)) return;
    const limit = requestLimit(s.deps.config.chathistory.max_messages, conn.isupport.chatHistoryMax);
    const timer = setTimeout(() => {
      if (st.requests.get(key)?.timer !== timer) return;
      st.requests.delete(key);
      s.ctx.log.info({ event: 'chathistory_unanswered', user: s.user, network: s.deps.networkName, target }, 'no chathistory reply');
    }, s.deps.config.chathistory.timeout_ms);
    timer.unref();
    st.requests.set(key, { target, limit, anchor, timer, ...(byTime !== undefined && byTime !== anchor ? { byTime } : {}) });
    void s.sendLine('CHATHISTORY', ['AFTER', target, anchor, String(limit)]).catch(() => st.requests.delete(key));
  }

  /** A channel was rejoined (reconnect, restart, persistent channel): ask what it missed. */
  fetchMissed(room: Room): void {
    const conn = this.usable();
    if (!conn) return;
    const last = this.s.archive.latest({ channel: room.channel }, 1).at(-1);
    const anchor = anchorOf(last, this.seen.before, conn.isupport.msgRefTypes);
    if (anchor) this.request(conn, room.channel, anchor, anchorOf(last, this.seen.before, ['timestamp']));
  }

  /**
   * The connection registered: keep its "last seen" time, and ask which private conversations had
   * messages since the previous connection was last up (`CHATHISTORY TARGETS`, answered by a
   * `draft/chathistory-targets` batch); each named nick then gets its own AFTER request.
   */
  onRegistered(): void {
    const s = this.s;
    const conn = this.usable();
    if (!conn) return;
    const since = this.seen.track(conn);
    const max = s.deps.config.chathistory.max_targets;
    if (since === undefined || max === 0) return;
    const st = this.stateOf(conn);
    const timer = setTimeout(() => {
      if (st.targets?.timer === timer) st.targets = undefined;
    }, s.deps.config.chathistory.timeout_ms);
    timer.unref();
    st.targets = { since, names: [], timer };
    // The server's clock stamps its history: a minute ahead of ours, so a server clock ahead of ours loses nothing.
    const now = new Date(s.ctx.clock.now() + 60_000).toISOString();
    void s.sendLine('CHATHISTORY', ['TARGETS', `timestamp=${isoMillis(since)}`, `timestamp=${now}`, String(max)]).catch(() => undefined);
  }

  /** `BATCH ±ref …`: a reply we asked for opens or closes. True when the batch was ours. */
  async onBatch(ev: BatchEvent): Promise<boolean> {
    const s = this.s;
    const st = this.stateNow();
    if (!st) return false;
    if (ev.opening) {
      if (ev.batchType === 'draft/chathistory-targets' && st.targets && st.targets.ref === undefined) {
        st.targets.ref = ev.ref;
        return true;
      }
      const req = ev.batchType === 'chathistory' && ev.params[0] ? st.requests.get(s.fold(ev.params[0])) : undefined;
      if (!req || st.replies.size >= s.deps.config.bounds.open_batches) return false;
      st.requests.delete(s.fold(req.target));
      clearTimeout(req.timer);
      const reply: HistoryReply = { target: req.target, limit: req.limit, lines: [], dropped: 0, timedOut: false };
      st.replies.set(ev.ref, reply);
      // A reply that never ends is cut at the timeout: what came is delivered, the rest swallowed.
      const timer = setTimeout(() => {
        if (st.replies.get(ev.ref) !== reply) return;
        st.replies.set(ev.ref, undefined);
        reply.timedOut = true;
        void this.replay.deliver(reply);
      }, s.deps.config.chathistory.timeout_ms);
      timer.unref();
      reply.stop = () => clearTimeout(timer);
      return true;
    }
    if (st.targets?.ref === ev.ref) {
      const { since, names, timer } = st.targets;
      clearTimeout(timer);
      st.targets = undefined;
      this.fetchPrivate(names, since);
      return true;
    }
    if (!st.replies.has(ev.ref)) return false;
    const reply = st.replies.get(ev.ref);
    st.replies.delete(ev.ref);
    if (reply) {
      reply.stop?.();
      await this.replay.deliver(reply);
    }
    return true;
  }

  /** A message inside a reply we collect: kept (up to the limit asked) or dropped. True when it was ours. */
  takeLine(ev: TextEvent): boolean {
    if (ev.batch === undefined) return false;
    const replies = this.stateNow()?.replies;
    if (!replies?.has(ev.batch)) return false;
    const reply = replies.get(ev.batch);
    if (reply && reply.lines.length < reply.limit) reply.lines.push(ev);
    else if (reply) reply.dropped++;
    return true;
  }

  /** `CHATHISTORY TARGETS <target> <time>` inside the targets batch we asked for (bounded by `max_targets`). */
  onTarget(ev: HistoryTargetEvent): void {
    const t = this.stateNow()?.targets;
    if (!t || t.ref === undefined || ev.batch !== t.ref || t.names.length >= this.s.deps.config.chathistory.max_targets) return;
    t.names.push(ev.target);
  }

  /** Each private conversation named: AFTER its last archived message, else the time the connection was last up. */
  private fetchPrivate(names: readonly string[], since: string): void {
    const s = this.s;
    const conn = this.usable();
    if (!conn) return;
    for (const nick of names) {
      if (conn.isupport.isChannel(nick) || s.isSelf(nick) || !/^[^\s:,*?!@]+$/.test(nick)) continue;
      const last = s.archive.latest({ nick }, 1).at(-1);
      const anchor = anchorOf(last, since, conn.isupport.msgRefTypes);
      if (anchor) this.request(conn, nick, anchor, anchorOf(last, since, ['timestamp']));
    }
  }

  /**
   * `FAIL CHATHISTORY <code> <context…> :text` (https://ircv3.net/specs/extensions/chathistory#errors)
   * naming one of our requests by its target or its message reference: a msgid the server does not
   * know (a bouncer's buffer moved on) is asked again by the time of that message; any other refusal
   * ends the request and is shown. True when the FAIL was about a request of ours and was retried.
   */
  onFail(ev: FailEvent): boolean {
    const s = this.s;
    const st = this.stateNow();
    if (ev.command !== 'CHATHISTORY' || !st) return false;
    const named = new Set(ev.context.map((c) => s.fold(c)));
    const found = [...st.requests].find(([key, r]) => named.has(key) || named.has(s.fold(r.anchor)) || named.has(s.fold(r.anchor.replace(/^msgid=/, ''))));
    if (!found) return false;
    const [key, req] = found;
    st.requests.delete(key);
    clearTimeout(req.timer);
    if (!req.anchor.startsWith('msgid=') || req.byTime === undefined || !/MSGREFID|PARAMS/.test(ev.code)) return false;
    s.ctx.log.info(
      { event: 'chathistory_retry_by_time', user: s.user, network: s.deps.networkName, target: req.target, code: ev.code },
      'msgid unknown to the server: asking by time',
    );
    this.request(s.conn!, req.target, req.byTime);
    return true;
  }
}
