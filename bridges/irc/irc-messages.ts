/**
 * IRC PRIVMSG and NOTICE (RFC 2812 §3.3) as XMPP messages: channel text as groupchat to every
 * joined resource (XEP-0359 stanza-id from the IRCv3 msgid when given, XEP-0203 delay from
 * server-time), private text as chat from `nick%network`, server notices from the network JID,
 * `[#chan]` notices into that room, and CTCP (VERSION and PING asked of the user's client, replies
 * shown, the rest ignored).
 * Private messages are archived per user and nick; IRCv3 echoes of our own lines confirm them.
 */
import { randomUUID } from 'node:crypto';
import type { CtcpEvent, TextEvent } from './client/events.js';
import { channelConversation, privateRefs } from './conversations.js';
import type { CtcpAnswers } from './ctcp-answer.js';
import type { SessionView } from './session-port.js';
import { ircToBody, stripFormatting } from './text.js';
import type { TagEvents } from './client-tag-events.js';
import type { OpenBatches } from './client/echo.js';

/** The session as inbound text sees it: also the answers to CTCP queries. */
export interface IncomingTextSession extends SessionView {
  readonly requests: { readonly ctcpAnswers: CtcpAnswers };
}

/** A session's inbound PRIVMSG and NOTICE. */
export class IncomingText {
  constructor(
    private readonly s: IncomingTextSession,
    private readonly batches: OpenBatches,
    private readonly tags: TagEvents,
  ) {}

  async onText(ev: TextEvent): Promise<void> {
    const s = this.s;
    const { source: src, target, text } = ev;
    const notice = ev.type === 'notice';
    if (src.user === undefined || target === '*' || !s.conn?.registered) {
      await s.notify(`${src.nick}: ${stripFormatting(text)}`);
      return;
    }
    const parsed = ircToBody(text);
    const delay = ev.time;
    const msgid = ev.msgid;
    const room = s.room(target);
    if (s.isSelf(src.nick) && !s.isSelf(target)) {
      // IRCv3 echo-message: our own line coming back. A groupchat we sent is reflected now (echo.ts);
      // our PMs (archived when sent), notices and CTCP replies are not shown again; a PRIVMSG sent
      // as a raw command to a joined channel is reflected like anyone's.
      const pending = s.echoes.take(ev, (n) => s.fold(n));
      if (pending) return pending.onEcho(ev);
      if (!room || notice || parsed.kind === 'ctcp') return;
    }
    this.tags.typingEndedByMessage(src.nick, target);
    // A replay (IRCv3 chathistory batch) of a message already archived is not archived again.
    const replay = this.batches.typeOf(ev) === 'chathistory';
    if (room) {
      if (parsed.kind === 'ctcp' || !room.joined) return;
      const stanzaId = msgid ?? randomUUID();
      const conversation = channelConversation(s.deps.networkName, room.channel);
      const replyTo = this.tags.replyRef(conversation, ev.reply, room);
      s.deps.refs.add(conversation, [stanzaId], { ...(msgid ? { msgid } : {}), nick: src.nick, text: parsed.body });
      if (!(replay && msgid && s.archive.has({ channel: room.channel }, msgid)))
        s.archive.recordMessage(room, {
          id: stanzaId,
          nick: src.nick,
          body: notice ? `[notice] ${parsed.body}` : parsed.body,
          ...(delay ? { stamp: delay } : {}),
          ...(replyTo ? { replyTo } : {}),
        });
      await s.xmppRooms.message(s.user, room.localpart, {
        nick: src.nick,
        body: notice ? `[notice] ${parsed.body}` : parsed.body,
        stanzaId,
        ...(delay ? { delay } : {}),
        ...(replyTo ? { replyTo } : {}),
        ...(msgid ? { dedupeKey: `irc:${s.user}:${s.deps.networkName}:${msgid}` } : {}),
      });
      return;
    }
    // CTCP comes as its own event (onCtcp); one rebuilt from a multiline batch is ignored.
    if (parsed.kind === 'ctcp') return;
    const chanNotice = notice ? /^\[([^\]\s]+)\]/.exec(parsed.body) : null;
    const noticeRoom = chanNotice ? s.room(chanNotice[1]!) : undefined;
    if (noticeRoom?.joined) {
      const stanzaId = randomUUID();
      s.archive.recordMessage(noticeRoom, { id: stanzaId, nick: src.nick, body: `[notice] ${parsed.body}` });
      await s.xmppRooms.message(s.user, noticeRoom.localpart, { nick: src.nick, body: `[notice] ${parsed.body}`, stanzaId });
      return;
    }
    const body = notice ? `[notice] ${parsed.body}` : parsed.body;
    // The archive id is the XEP-0359 stanza-id the message goes out with (by the contact's JID,
    // which answers the XEP-0313 queries of this conversation), stored in the outbox item.
    // The msgid is also the message id: a reply, reaction or retraction in a chat names that (XEP-0461 §3).
    const archiveId = msgid ?? randomUUID();
    const refs = privateRefs(s.user, s.deps.networkName, src.nick);
    const replyTo = this.tags.replyRef(refs, ev.reply, undefined);
    s.deps.refs.add(refs, [archiveId], { ...(msgid ? { msgid } : {}), nick: src.nick, text: body });
    if (!replay || !msgid || !s.archive.has({ nick: src.nick }, msgid))
      s.archive.recordPrivate(src.nick, { id: archiveId, nick: src.nick, body, ...(delay ? { stamp: delay } : {}), ...(replyTo ? { replyTo } : {}) });
    await s.deliver(
      {
        kind: 'message',
        user: s.user,
        from: s.contactLocalpart(src.nick),
        type: 'chat',
        body,
        stanzaId: archiveId,
        ...(msgid ? { id: msgid } : {}),
        ...(delay ? { delay } : {}),
        ...(replyTo ? { replyTo } : {}),
      },
      msgid ? `irc:${s.user}:${s.deps.networkName}:${msgid}` : undefined,
    );
  }

  /**
   * CTCP (https://modern.ircdocs.horse/ctcp) to the user: VERSION and PING go to the user's client
   * (ctcp-answer.ts), a reply is shown in the chat with its sender, the rest is ignored, as is CTCP
   * to a channel and the echo of our own (IRCv3 echo-message).
   */
  async onCtcp(ev: CtcpEvent): Promise<void> {
    const s = this.s;
    const { source: src, target, command, args } = ev;
    if (src.user === undefined || target === '*' || !s.conn?.registered) {
      await s.notify(`${src.nick}: CTCP ${command}${args ? ` ${args}` : ''}`);
      return;
    }
    if ((s.isSelf(src.nick) && !s.isSelf(target)) || s.room(target)) return;
    if (ev.kind === 'response') {
      await s.deliver({ kind: 'message', user: s.user, from: s.contactLocalpart(src.nick), type: 'chat', body: `CTCP ${command} reply: ${args}` });
    } else if (command === 'VERSION' || command === 'PING') s.requests.ctcpAnswers.answer(src.nick, command, args);
  }
}
