/**
 * A collected draft/chathistory reply (chathistory.ts) delivered to the user as history: only the
 * messages of the conversation asked (a line for another target is dropped), only those the archive
 * does not hold yet (chathistory-anchor.ts `newMessages`), each archived once and delivered with
 * its server time as XEP-0203 delay and its msgid as XEP-0359 stanza-id. A channel's go to every
 * joined resource; a private conversation's come from `nick%network` (the user's own lines, sent
 * from another client of a bouncer, are archived as outgoing and not delivered back).
 */
import { randomUUID } from 'node:crypto';
import type { TextEvent } from './client/events.js';
import { newMessages } from './chathistory-anchor.js';
import { channelConversation, privateConversation, privateRefs } from './conversations.js';
import type { TagEvents } from './client-tag-events.js';
import type { SessionView } from './session-port.js';
import { ircToBody } from './text.js';

export interface HistoryReply {
  /** The channel or nick asked for. */
  target: string;
  limit: number;
  lines: TextEvent[];
  /** Lines past the limit, not kept. */
  dropped: number;
  /** The batch did not close in time. */
  timedOut: boolean;
  /** Clears the reply's timeout. */
  stop?: () => void;
}

interface Replayed {
  ev: TextEvent;
  own: boolean;
  body: string;
}

/** The session as replayed history sees it: also the inbound side's reply references (client-tag-events.ts). */
export interface ReplaySession extends SessionView {
  readonly inbound: { readonly tags: TagEvents };
}

/** Delivers the collected replies of one session. */
export class ReplayDelivery {
  constructor(private readonly s: ReplaySession) {}

  /** The reply's lines that belong to the conversation, as XMPP bodies; `wrong` counts the others. */
  private conversationLines(reply: HistoryReply, channel: boolean): { lines: Replayed[]; wrong: number } {
    const s = this.s;
    const lines: Replayed[] = [];
    let wrong = 0;
    const peer = s.fold(reply.target);
    for (const ev of reply.lines) {
      const own = s.isSelf(ev.source.nick);
      const ours = channel ? s.fold(ev.target) === peer : own ? s.fold(ev.target) === peer : s.fold(ev.source.nick) === peer && s.isSelf(ev.target);
      if (!ours) {
        wrong++;
        continue;
      }
      const parsed = ircToBody(ev.text);
      if (parsed.kind === 'ctcp') continue; // CTCP queries and replies are no history
      lines.push({ ev, own, body: ev.type === 'notice' ? `[notice] ${parsed.body}` : parsed.body });
    }
    return { lines, wrong };
  }

  async deliver(reply: HistoryReply): Promise<void> {
    const s = this.s;
    const network = s.deps.networkName;
    const room = s.room(reply.target);
    const channel = !!s.conn?.isupport.isChannel(reply.target);
    if (channel && !room?.joined) return;
    const conversation = channel ? channelConversation(network, reply.target) : privateConversation(network, reply.target);
    const { lines, wrong } = this.conversationLines(reply, channel);
    // Every archived message (within retention): the msgids a replay may repeat.
    const archived = s.archive.latest(channel ? { channel: reply.target } : { nick: reply.target }, s.deps.config.archive_max_messages);
    const fresh = newMessages(
      lines.map((l) => ({ ...(l.ev.msgid !== undefined ? { msgid: l.ev.msgid } : {}), own: l.own, body: l.body })),
      archived,
      (e) => s.isSelf(e.nick),
      2 * reply.limit,
    );
    let delivered = 0;
    for (const [i, { ev, own, body }] of lines.entries()) {
      if (!fresh[i]) continue;
      delivered++;
      const id = ev.msgid ?? randomUUID();
      const stamp = ev.time ?? new Date(s.ctx.clock.now()).toISOString();
      const dedupeKey = ev.msgid !== undefined ? `irc:${s.user}:${network}:${ev.msgid}` : undefined;
      // XEP-0461: a replayed line's +draft/reply, as for a live one (client-tag-events.ts).
      const replyTo = s.inbound.tags.replyRef(room ? conversation : privateRefs(s.user, network, reply.target), ev.reply, room);
      const ref = replyTo ? { replyTo } : {};
      if (room) {
        s.archive.recordMessage(room, { id, nick: ev.source.nick, body, stamp, ...ref });
        const message = { nick: ev.source.nick, body, stanzaId: id, delay: stamp, ...ref };
        await s.xmppRooms.message(s.user, room.localpart, { ...message, ...(dedupeKey ? { dedupeKey } : {}) });
      } else if (own) s.archive.recordPrivate(reply.target, { id, nick: ev.source.nick, body, stamp, outgoing: true, ...ref });
      else {
        s.archive.recordPrivate(reply.target, { id, nick: ev.source.nick, body, stamp, ...ref });
        const from = s.contactLocalpart(ev.source.nick);
        await s.deliver({ kind: 'message', user: s.user, from, type: 'chat', body, stanzaId: id, delay: stamp, ...ref }, dedupeKey);
      }
    }
    const where = { user: s.user, network, target: reply.target };
    s.ctx.log.info(
      {
        event: 'chathistory_replayed',
        ...where,
        received: reply.lines.length,
        delivered,
        dropped: reply.dropped,
        wrongTarget: wrong,
        timedOut: reply.timedOut,
      },
      'missed messages fetched',
    );
    if (reply.dropped > 0 || reply.timedOut || wrong > 0) {
      const why = [
        reply.dropped > 0 ? `${reply.dropped} messages over the ${reply.limit} asked were dropped` : '',
        reply.timedOut ? 'the server did not end its reply in time, so the rest was ignored' : '',
        wrong > 0 ? `${wrong} messages for another conversation were ignored` : '',
      ].filter(Boolean);
      await s.notify(`History of ${reply.target} after the reconnection: ${delivered} missed messages delivered; ${why.join('; ')}.`);
    }
  }
}
