/**
 * XMPP → IRC messages on a user's IRC session (XEP-0045 ⇄ RFC 2812): groupchat with its
 * reflection, private messages, raw commands to the network JID, and connecting for them. Called
 * by the adapter's `send`, one event at a time per (user, room or contact); room commands are in
 * room-commands.ts, replies/reactions/retractions/typing in client-tag-actions.ts.
 */
import { randomUUID } from 'node:crypto';
import { RetryableError, StanzaError } from '../../src/core/errors.js';
import type { Outbound } from '../../src/core/model.js';
import type { Refusal, ReflectionGate } from './refusals.js';
import { IrcConnectError } from './client/connection.js';
import type { Room } from './room.js';
import { MultilineSender } from './multiline-messages.js';
import { channelConversation, privateRefs } from './conversations.js';
import type { SessionView } from './session-port.js';
import type { SessionRooms } from './session-rooms.js';
import type { Abortable } from './client/throttle.js';
import { ircToStyling } from './styling.js';
import { bodyToIrc, ircWireText, textBudget } from './text.js';

type Ev<K extends Outbound['kind']> = Extract<Outbound, { kind: K }>;

/** One line about to be written: its index and wire text; returns the tags to send it with. */
type BeforeLine = (i: number, wire: string) => Record<string, string>;

/** The session as its outgoing messages see it: also its rooms and the reflections held for the server's verdict. */
export interface OutgoingSession extends SessionView {
  readonly rooms: SessionRooms;
  readonly requests: { readonly verdicts: ReflectionGate };
}

/** A session's messages to IRC (it holds the session privately; what was written of a message is its own). */
export class OutgoingMessages {
  /** Lines of a multi-line message already written, by message key (no duplicates on retry). */
  private readonly progress = new Map<string, number>();
  private readonly multiline: MultilineSender;

  constructor(private readonly s: OutgoingSession) {
    this.multiline = new MultilineSender(s);
  }

  requireConnected(): void {
    if (!this.s.connected) throw new RetryableError('The IRC connection is not established yet.', { retryAfterMs: 2000 });
  }

  /** PRIVMSG lines (or multiline batches) for a body; returns the texts the other side sees. Lines written before a failure are not sent again. */
  /** `attempt` (the outbox attempt's deadline) takes the lines still behind flood control out of the queue. */
  private async sendText(target: string, body: string, key: string, beforeLine?: BeforeLine, attempt?: Abortable): Promise<ReturnType<typeof bodyToIrc>> {
    const s = this.s;
    const source = { nick: s.nick, ...(s.conn?.user ? { user: s.conn.user } : {}), ...(s.conn?.host ? { host: s.conn.host } : {}) };
    const texts = bodyToIrc(body, () => textBudget('PRIVMSG', target, source));
    // IRCv3 draft/multiline: one message per batch instead of one per line (multiline-messages.ts).
    const batched = texts.length > 1 ? await this.multiline.send(target, texts, key, beforeLine, attempt) : undefined;
    if (batched) return batched;
    const done = this.progress.get(key) ?? 0;
    if (!s.queue.hasRoom(texts.length - done)) throw new StanzaError('resource-constraint', 'Too many lines are waiting to be sent to IRC; try again later.');
    try {
      for (let i = done; i < texts.length; i++) {
        const wire = ircWireText(texts[i]!);
        await s.sendLine('PRIVMSG', [target, wire], beforeLine?.(i, wire), attempt);
        this.progress.set(key, i + 1);
      }
    } catch (err) {
      if (err instanceof RetryableError) throw err; // an aborted attempt: its text says so
      throw new RetryableError('The IRC connection was lost while sending.', { cause: err });
    }
    this.progress.delete(key);
    return texts;
  }

  /** `tags`: client tags of every line (a reply's `+draft/reply`, client-tag-actions.ts). */
  async sendGroupchat(
    ev: Ev<'message'> | Ev<'correction'>,
    channel: string,
    prefix = '',
    attempt?: Abortable,
    tags: Record<string, string> = {},
  ): Promise<void> {
    const s = this.s;
    const room = s.rooms.participant(channel, ev.resource);
    this.requireConnected();
    const mode = /^\/mode\s+(.+)$/i.exec(ev.body.trim());
    if (mode && !prefix) {
      await s.sendLine('MODE', [channel, ...mode[1]!.split(/\s+/)]);
      return;
    }
    const key = `${ev.user}|${ev.to}|${ev.id ?? ev.originId ?? randomUUID()}`;
    s.typing.sentMessage(s.fold(channel));
    if (s.echoMessage) {
      // IRCv3 echo-message: each line is reflected when the server echoes it (the delivery confirmation).
      const echoes: Promise<void>[] = [];
      const labels = !!s.conn?.caps.has('labeled-response');
      await this.sendText(
        channel,
        prefix + ev.body,
        key,
        (i, wire): Record<string, string> => {
          const t = { action: wire.startsWith('\x01ACTION '), text: wire.replace(/^\x01ACTION (.*)\x01$/s, '$1') };
          const e = s.echoes.expect(
            s.fold(channel),
            wire,
            labels,
            (echo) => this.reflect(room, ev, i, t, echo.msgid, echo.time),
            s.deps.config.echo_timeout_ms,
            () => new StanzaError('remote-server-timeout', 'The IRC server did not confirm the message; it may not have been delivered.'),
          );
          echoes.push(e.done);
          return e.label ? { ...tags, label: e.label } : tags;
        },
        attempt,
      );
      await Promise.all(echoes);
      return;
    }
    const texts = await this.sendText(channel, prefix + ev.body, key, () => tags, attempt);
    // Reflected once the server had its chance to refuse each line (refusals.ts); the outbox goes on meanwhile.
    // Nothing awaits this chain: a failure (the store closed at shutdown) is logged, never left unhandled.
    void Promise.all(texts.map(() => s.requests.verdicts.hold(channel)))
      .then(async (verdicts) => {
        const refusal = verdicts.find((v) => v !== undefined);
        if (refusal) return this.refuseGroupchat(room, ev, refusal);
        for (const [i, t] of texts.entries()) await this.reflect(room, ev, i, t, undefined);
      })
      .catch((err: unknown) => s.deps.ctx.log.error({ err, event: 'reflect_failed', user: s.user, channel }, 'a groupchat could not be reflected'));
  }

  /** XEP-0045 §7.4: the room answers a refused message with an error carrying its id, to the sending resource. */
  private async refuseGroupchat(room: Room, ev: Ev<'message'> | Ev<'correction'>, refusal: Refusal): Promise<void> {
    const s = this.s;
    s.deps.ctx.log.info({ event: 'groupchat_refused', user: s.user, channel: room.channel, condition: refusal.condition }, 'the IRC server refused a message');
    await s.deliver({
      kind: 'error',
      user: s.user,
      from: room.localpart,
      ...(ev.resource ? { toResource: ev.resource } : {}),
      stanza: 'message',
      ...(ev.id ? { id: ev.id } : {}),
      condition: refusal.condition,
      errorType: refusal.condition === 'not-acceptable' ? 'modify' : 'auth',
      text: refusal.text,
    });
  }

  /**
   * Reflection (XEP-0045 §7.4) of one line: every joined resource, the sender's ids on the first
   * line; archived. Its stanza-id is the line's IRC msgid when the echo has one (message-refs.ts).
   */
  private async reflect(
    room: Room,
    ev: Ev<'message'> | Ev<'correction'>,
    i: number,
    t: { action: boolean; text: string },
    msgid: string | undefined,
    delay?: string,
  ): Promise<void> {
    const s = this.s;
    const stanzaId = msgid ?? randomUUID();
    // What the room saw, read back as XEP-0393 (as IRC → XMPP reads everyone's line).
    const body = (t.action ? '/me ' : '') + ircToStyling(t.text);
    s.deps.refs.add(channelConversation(s.deps.networkName, room.channel), [stanzaId], { ...(msgid ? { msgid } : {}), nick: s.nick, text: body });
    const replyTo = i === 0 && ev.kind === 'message' ? ev.replyTo : undefined;
    s.archive.recordMessage(room, { id: stanzaId, nick: s.nick, body, ...(delay ? { stamp: delay } : {}), ...(replyTo ? { replyTo } : {}) });
    await s.xmppRooms.message(s.user, room.localpart, {
      nick: s.nick,
      body,
      stanzaId,
      ...(i === 0 && ev.id ? { id: ev.id } : {}),
      ...(i === 0 && ev.originId ? { originId: ev.originId } : {}),
      ...(i === 0 && ev.kind === 'correction' ? { replaces: ev.replaces } : {}),
      ...(replyTo ? { replyTo } : {}),
    });
  }

  async sendPrivate(ev: Ev<'message'> | Ev<'correction'>, nick: string, prefix = '', attempt?: Abortable, tags: Record<string, string> = {}): Promise<void> {
    const s = this.s;
    await this.connectForMessage(ev);
    const key = `${ev.user}|${ev.to}|${ev.toResource ?? ''}|${ev.id ?? ev.originId ?? randomUUID()}`;
    s.typing.sentMessage(s.fold(nick));
    const ids = [ev.id, ev.originId].filter((x): x is string => x !== undefined);
    const conversation = privateRefs(s.user, s.deps.networkName, nick);
    const ref = s.deps.refs.add(conversation, ids.length > 0 ? ids : [randomUUID()], { nick: s.nick, text: prefix + ev.body });
    const learn = (m: string) => s.deps.refs.addMsgid(conversation, ref, ids[0]!, m);
    const beforeLine = (_: number, wire: string) => (s.echoMessage && ids[0] !== undefined ? this.learnMsgid(nick, wire, learn, tags) : tags);
    const texts = await this.sendText(nick, prefix + ev.body, key, beforeLine, attempt);
    s.archive.recordPrivate(nick, {
      id: ev.id ?? ev.originId ?? randomUUID(),
      nick: s.nick,
      body: texts.map((t) => (t.action ? '/me ' : '') + ircToStyling(t.text)).join('\n'),
      outgoing: true,
      // XEP-0424 §3: a client retracts its own chat message by its origin-id, which may differ from its id.
      ...(ev.originId ? { originId: ev.originId } : {}),
      ...(ev.kind === 'message' && ev.replyTo ? { replyTo: ev.replyTo } : {}),
    });
  }

  /**
   * IRCv3 echo-message: the echo of a private line carries its msgid, which a later reply, reaction
   * or retraction of the user names it by (message-refs.ts). Nothing waits for it: a private
   * message is confirmed when written, as before; an echo that never comes only leaves no msgid.
   */
  private learnMsgid(nick: string, wire: string, learn: (msgid: string) => void, tags: Record<string, string>): Record<string, string> {
    const s = this.s;
    const labels = !!s.conn?.caps.has('labeled-response');
    const e = s.echoes.expect(
      s.fold(nick),
      wire,
      labels,
      (echo) => {
        if (echo.msgid) learn(echo.msgid);
        return Promise.resolve();
      },
      s.deps.config.echo_timeout_ms,
      () => new Error('no echo'),
    );
    e.done.catch(() => undefined);
    return e.label ? { ...tags, label: e.label } : tags;
  }

  /** Messages to the network JID are raw IRC commands on the user's own connection (as biboumi). */
  async sendRaw(ev: Ev<'message'>): Promise<void> {
    const s = this.s;
    await this.connectForMessage(ev);
    for (const line of ev.body
      .split(/\r\n|\r|\n/)
      .map((l) => l.replace(/\0/g, '').trim())
      .filter(Boolean)) {
      if (!/^[A-Za-z]+(\s|$)|^\d{3}(\s|$)/.test(line)) throw new StanzaError('bad-request', `"${line}" is not an IRC command.`);
      const quit = /^QUIT(?:\s+:?(.*))?$/i.exec(line);
      if (quit) return s.userQuit(quit[1] ?? 'Quit');
      await s.queue.push(line);
    }
  }

  /** Open the session's connection if needed, for something that is not a join. */
  async connectForMessage(ev: Outbound): Promise<void> {
    const s = this.s;
    try {
      await s.ensureConnected(s.desiredNick || defaultNick(ev.user));
    } catch (err) {
      if (err instanceof IrcConnectError) {
        if (err.condition === 'remote-server-timeout') throw new RetryableError(err.message, { cause: err });
        throw new StanzaError(err.condition, err.message, { cause: err });
      }
      throw err;
    }
  }
}

export function defaultNick(user: string): string {
  const local = user.split('@')[0] ?? 'xmpp';
  return (
    local
      .replace(/[^A-Za-z0-9_\-[\]\\^{}|`]/g, '_')
      .replace(/^[\d-]/, '_')
      .slice(0, 30) || 'xmpp'
  );
}
