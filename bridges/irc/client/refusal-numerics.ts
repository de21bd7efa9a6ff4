/**
 * The numerics that refuse a command (RFC 2812 §5.2; 477/489 of modern servers, 408 of some
 * networks), by the reason reply-events.ts names. The only place a refusal numeric is read:
 * the bridge maps reasons, not numerics, to XMPP conditions.
 */
import type { JoinRefusal, RefusalReason } from './reply-events.js';

export const REFUSAL_NUMERICS: Readonly<Record<string, RefusalReason>> = {
  '471': 'channel-full',
  '473': 'invite-only',
  '474': 'banned',
  '475': 'bad-key',
  '403': 'no-such-channel',
  '405': 'too-many-channels',
  '437': 'unavailable',
  '477': 'registered-only',
  '489': 'secure-only',
  '404': 'cannot-send',
  '408': 'no-colors',
  '401': 'no-such-nick',
  '441': 'not-in-channel',
  '442': 'not-on-channel',
  '482': 'not-operator',
  '481': 'no-privileges',
  '432': 'erroneous-nick',
  '433': 'nick-in-use',
  '436': 'nick-collision',
  '484': 'restricted',
};

const JOIN_REFUSALS: ReadonlySet<RefusalReason> = new Set<JoinRefusal>([
  'channel-full',
  'invite-only',
  'banned',
  'bad-key',
  'no-such-channel',
  'too-many-channels',
  'unavailable',
  'registered-only',
  'secure-only',
]);

/** Whether a reason can answer a JOIN (a pending join fails with it). */
export function isJoinRefusal(reason: RefusalReason): reason is JoinRefusal {
  return JOIN_REFUSALS.has(reason);
}
