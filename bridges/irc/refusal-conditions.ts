/**
 * What a refusal of the IRC server (its reason: client/refusal-numerics.ts names the numerics)
 * means to the XMPP user, per command: the RFC 6120 §8.3.3 / XEP-0045 condition of the error the
 * stanza that asked gets back.
 */
import { StanzaError } from '../../src/core/errors.js';
import type { ErrorCondition } from '../../src/core/model.js';
import type { IrcEvent, JoinRefusal, RefusalReason } from './client/events.js';

type Conditions = Partial<Record<RefusalReason, ErrorCondition>>;

/** JOIN (RFC 2812 §3.2.1) → XEP-0045 §7.2, as biboumi maps them: a refused join is a presence error. */
export const JOIN_REFUSAL_CONDITIONS: Record<JoinRefusal, ErrorCondition> = {
  'channel-full': 'service-unavailable', // 471 (+l)
  'invite-only': 'registration-required', // 473 (+i)
  banned: 'forbidden', // 474 (+b)
  'bad-key': 'not-authorized', // 475 (+k)
  'no-such-channel': 'item-not-found', // 403
  'too-many-channels': 'resource-constraint', // 405
  unavailable: 'conflict', // 437
  'registered-only': 'registration-required', // 477
  'secure-only': 'forbidden', // 489
};

/** A PRIVMSG/NOTICE to a channel (refusals.ts holds its reflection for the verdict). */
export const SEND_REFUSALS: Conditions = {
  'cannot-send': 'forbidden', // 404: +m without voice (XEP-0045 §7.4: visitors get forbidden), +n, banned
  'not-on-channel': 'not-acceptable', // 442: not an occupant (§7.4)
  'registered-only': 'registration-required', // 477 (+R / +M)
  'secure-only': 'forbidden', // 489
  'no-colors': 'forbidden', // 408 (some networks)
};

/** TOPIC (RFC 2812 §3.2.4) → XEP-0045 §8.1: a non-moderator changing the subject gets forbidden. */
export const TOPIC_REFUSALS: Conditions = {
  'not-operator': 'forbidden', // 482
  'not-on-channel': 'not-acceptable', // 442
  'registered-only': 'registration-required', // 477
  'no-such-channel': 'item-not-found', // 403
};

/** KICK and MODE (RFC 2812 §3.2.8, §3.2.3) → XEP-0045 §8–9: a nick not there is item-not-found, the rest forbidden. */
const MODERATION_REFUSALS: Conditions = {
  'not-operator': 'forbidden', // 482
  'not-in-channel': 'item-not-found', // 441
  'no-such-nick': 'item-not-found', // 401
  'no-such-channel': 'forbidden', // 403
  'not-on-channel': 'forbidden', // 442
  'no-privileges': 'forbidden', // 481
};

/**
 * NICK (RFC 2812 §3.1.2) → XEP-0045 §7.6: 432 is a nick the server will not take at all (too long,
 * bad characters): not-acceptable, as at registration (client/connect-errors.ts); the others are
 * a nick someone holds (or one we may not take now): conflict.
 */
const NICK_REFUSALS: Conditions = {
  'erroneous-nick': 'not-acceptable', // 432
  'nick-in-use': 'conflict', // 433
  'nick-collision': 'conflict', // 436
  unavailable: 'conflict', // 437
  restricted: 'conflict', // 484
};

/** A refusal of a KICK or MODE (any target: the server answered our command), as the error to throw. */
export function moderationRefused(ev: IrcEvent): StanzaError | undefined {
  const condition = ev.type === 'refused' ? MODERATION_REFUSALS[ev.reason] : undefined;
  return ev.type === 'refused' && condition ? new StanzaError(condition, ev.text || 'Refused by the IRC server.') : undefined;
}

/** A refusal of a NICK, as the error to throw (`nick` stands in when the server named none). */
export function nickRefused(ev: IrcEvent, nick: string): StanzaError | undefined {
  const condition = ev.type === 'refused' ? NICK_REFUSALS[ev.reason] : undefined;
  return ev.type === 'refused' && condition ? new StanzaError(condition, `${ev.target || nick}: ${ev.text}`) : undefined;
}
