/**
 * The XMPP id ⇄ IRC msgid map of one IRC network (issue 12), shared by the connections of all its
 * users and bounded: what a reply, a reaction or a retraction from either side needs to name the
 * same message on the other.
 *
 * The XMPP side knows a message by the id the gateway gave it: in a room its XEP-0359 stanza-id,
 * which is the IRCv3 msgid whenever the server gave one (irc-messages.ts, the reflection of an
 * echo in actions.ts); in a private chat the message id, also the msgid for a message from IRC,
 * but the client's own id (or origin-id) for the user's own message, whose msgid comes with its
 * echo. So most lookups are the identity, and this map holds what the identity cannot say: the
 * msgids of the users' own private messages, which ids have no msgid at all (a server without
 * message-ids), the author and first words (for the text fallbacks), and the reaction sets both
 * ways (IRC sends one change at a time, XEP-0444 the whole set).
 *
 * A channel's messages are the same for every user in it, so they are kept once (`add` of a known
 * id keeps the entry: each user's connection reports the same line, and a reaction is a set, so
 * the same change counted again changes nothing); private conversations are keyed per user
 * (conversations.ts `privateRefs`). The oldest entries go first beyond `max`; they are not
 * stored, so after a restart an older message gets the fallback.
 */

/** What the gateway remembers of one message. */
export interface MessageRef {
  /** IRC msgids of the message's lines, in order (empty: the server gave none). */
  msgids: string[];
  /** The author's nick as IRC showed it. */
  nick: string;
  /** The start of its text, for the fallback lines (`reacted 👍 to "first words…"`). */
  text: string;
  /** IRC → XMPP: each sender's current reactions (by folded nick), bounded by `MAX_REACTORS`. */
  reactions?: Map<string, string[]>;
  /** XMPP → IRC: each user's own current set (XEP-0444, by bare JID), to send only what changed. */
  mine?: Map<string, string[]>;
}

/** Senders whose reactions are kept per message, and reactions per sender. */
export const MAX_REACTORS = 50;
export const MAX_REACTIONS_EACH = 20;
/** Enough for the fallback quote (client-tag-actions.ts `quoteStart`: 5 words, at most 40 characters). */
const TEXT_KEPT = 48;

export class MessageRefs {
  /** `conversation\nxmppId` → ref, oldest first. */
  private readonly refs = new Map<string, { conversation: string; ref: MessageRef }>();
  /** `conversation\nmsgid` → xmppId. */
  private readonly byMsgid = new Map<string, string>();

  constructor(private readonly max: number) {}

  get size(): number {
    return this.refs.size;
  }

  /** Remember a message under its XMPP ids (a private message of the user: id and origin-id); one already known is kept. */
  add(conversation: string, ids: readonly string[], ref: { msgid?: string; nick: string; text: string }): MessageRef {
    const known = ids[0] !== undefined ? this.get(conversation, ids[0]) : undefined;
    if (known) return known;
    const entry: MessageRef = { msgids: ref.msgid ? [ref.msgid] : [], nick: ref.nick, text: ref.text.slice(0, TEXT_KEPT) };
    for (const id of new Set(ids)) this.put(conversation, id, entry);
    if (ref.msgid && ids[0] !== undefined && ids[0] !== ref.msgid) this.byMsgid.set(`${conversation}\n${ref.msgid}`, ids[0]);
    return entry;
  }

  /** The user's own reactions to a message (XMPP → IRC), and setting them. */
  mine(ref: MessageRef | undefined, user: string): string[] {
    return ref?.mine?.get(user) ?? [];
  }

  setMine(conversation: string, xmppId: string, user: string, emojis: string[]): void {
    const ref = this.get(conversation, xmppId) ?? this.add(conversation, [xmppId], { nick: '', text: '' });
    ref.mine ??= new Map<string, string[]>();
    if (emojis.length === 0) ref.mine.delete(user);
    else if (ref.mine.has(user) || ref.mine.size < MAX_REACTORS) ref.mine.set(user, emojis);
  }

  /** One more line of a message (its echo) with its msgid. */
  addMsgid(conversation: string, ref: MessageRef, xmppId: string, msgid: string): void {
    ref.msgids.push(msgid);
    this.byMsgid.set(`${conversation}\n${msgid}`, xmppId);
  }

  get(conversation: string, xmppId: string): MessageRef | undefined {
    return this.refs.get(`${conversation}\n${xmppId}`)?.ref;
  }

  /** The XMPP id of an IRC msgid: the one remembered, else the msgid itself (it is the id wherever the gateway had one). */
  xmppId(conversation: string, msgid: string): string {
    return this.byMsgid.get(`${conversation}\n${msgid}`) ?? msgid;
  }

  /**
   * IRC → XMPP: `sender` added or removed one reaction; returns their whole current set. A message
   * not remembered gets an entry (so later changes add up).
   */
  react(conversation: string, xmppId: string, sender: string, change: { add?: string; remove?: string }): string[] {
    const ref = this.get(conversation, xmppId) ?? this.add(conversation, [xmppId], { nick: '', text: '' });
    const all = (ref.reactions ??= new Map<string, string[]>());
    let set = all.get(sender) ?? [];
    if (change.remove !== undefined) set = set.filter((e) => e !== change.remove);
    if (change.add !== undefined && !set.includes(change.add) && set.length < MAX_REACTIONS_EACH) set = [...set, change.add];
    if (set.length === 0) all.delete(sender);
    else if (all.has(sender) || all.size < MAX_REACTORS) all.set(sender, set);
    return set;
  }

  private put(conversation: string, id: string, ref: MessageRef): void {
    const key = `${conversation}\n${id}`;
    this.refs.delete(key);
    this.refs.set(key, { conversation, ref });
    while (this.refs.size > this.max) {
      const [oldKey, old] = this.refs.entries().next().value as [string, { conversation: string; ref: MessageRef }];
      this.refs.delete(oldKey);
      for (const m of old.ref.msgids) this.byMsgid.delete(`${old.conversation}\n${m}`);
    }
  }
}

/** XEP-0444: what changed from `before` to `after` (added and removed, in order). */
export function reactionDiff(before: readonly string[], after: readonly string[]): { added: string[]; removed: string[] } {
  return { added: after.filter((e) => !before.includes(e)), removed: before.filter((e) => !after.includes(e)) };
}
