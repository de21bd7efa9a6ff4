/**
 * XEP-0085 chat states ⇄ the IRCv3 `+typing` client tag (https://ircv3.net/specs/client-tags/typing).
 *
 * XMPP → IRC: composing → `active`, paused → `paused`, active / inactive / gone → `done`. The
 * typing spec asks senders not to send `active` more than once every 3 seconds, and `paused` and
 * `done` are changes: `TypingOut` says what to send for each chat state, or nothing. IRC → XMPP:
 * `active` → composing, `paused` → paused, `done` → active.
 */
import type { ChatState } from '../../src/core/model.js';

export type IrcTyping = 'active' | 'paused' | 'done';

/** "Clients SHOULD NOT send the active typing notification more than once every 3 seconds." */
export const ACTIVE_INTERVAL_MS = 3000;

export function typingToChatState(typing: IrcTyping): ChatState {
  return typing === 'active' ? 'composing' : typing === 'paused' ? 'paused' : 'active';
}

function chatStateToTyping(state: ChatState): IrcTyping {
  return state === 'composing' ? 'active' : state === 'paused' ? 'paused' : 'done';
}

/** The typing state last sent per target (folded), for one connection; at most `max` targets kept. */
export class TypingOut {
  private readonly sent = new Map<string, { typing: IrcTyping; at: number }>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly max = 256,
  ) {}

  /** The `+typing` value to send to `target` for `state` now, or undefined (rate-limited, or no change). */
  next(target: string, state: ChatState): IrcTyping | undefined {
    const typing = chatStateToTyping(state);
    const last = this.sent.get(target);
    const now = this.now();
    if (typing === 'active') {
      if (last?.typing === 'active' && now - last.at < ACTIVE_INTERVAL_MS) return undefined;
    } else if (!last || last.typing === 'done' || last.typing === typing) return undefined; // nothing to pause or end
    this.sent.delete(target);
    this.sent.set(target, { typing, at: now });
    if (this.sent.size > this.max) this.sent.delete(this.sent.keys().next().value as string);
    return typing;
  }

  /** A message was sent to `target`: the spec's receivers clear typing on a message, so nothing is pending. */
  sentMessage(target: string): void {
    this.sent.delete(target);
  }
}

/**
 * "Receiving clients SHOULD assume that a user has stopped typing if they have not received an
 * `active` notification for 6 seconds, or a `paused` notification for 30 seconds"
 * (https://ircv3.net/specs/client-tags/typing). XMPP clients show composing until they hear
 * otherwise (XEP-0085 §5.1), so an IRC user who closes their client mid-word would type forever:
 * `TypingIn` calls a sender's `end` (→ the chat state `active`) when the spec's time passes without
 * news. A message or `done` from the sender clears it. At most `max` senders are timed per
 * connection; beyond that the oldest is ended at once.
 */
export const TYPING_EXPIRY_MS: Readonly<Record<Exclude<IrcTyping, 'done'>, number>> = { active: 6000, paused: 30_000 };

export class TypingIn {
  private readonly timers = new Map<string, { timer: ReturnType<typeof setTimeout>; end: () => void }>();

  constructor(
    private readonly max = 256,
    private readonly expiry = TYPING_EXPIRY_MS,
  ) {}

  /** `key` (a place and a sender) said `typing`; `end` is called if nothing follows in time. */
  saw(key: string, typing: IrcTyping, end: () => void): void {
    this.clear(key);
    if (typing === 'done') return;
    const timer = setTimeout(() => {
      this.timers.delete(key);
      end();
    }, this.expiry[typing]);
    timer.unref?.();
    this.timers.set(key, { timer, end });
    if (this.timers.size > this.max) {
      const [oldest, entry] = this.timers.entries().next().value as [string, { end: () => void }];
      this.clear(oldest);
      entry.end();
    }
  }

  /** `key` sent a message: whatever it was typing is over, and the message says so itself. */
  clear(key: string): void {
    const t = this.timers.get(key);
    if (t === undefined) return;
    clearTimeout(t.timer);
    this.timers.delete(key);
  }

  /** The connection is gone: nothing is ended later. */
  clearAll(): void {
    for (const t of this.timers.values()) clearTimeout(t.timer);
    this.timers.clear();
  }

  get size(): number {
    return this.timers.size;
  }
}
