// What an IRC refusal means to XMPP (refusal-conditions.ts): keyed by the client's reason, never a
// numeric, per command, as the error the stanza that asked gets back.
import { describe, expect, it } from 'vitest';
import type { IrcEvent, RefusalReason } from '../client/events.js';
import { JOIN_REFUSAL_CONDITIONS, moderationRefused, nickRefused, SEND_REFUSALS, TOPIC_REFUSALS } from '../refusal-conditions.js';

function refused(reason: RefusalReason, target = '#c', text = 'the server says no'): IrcEvent {
  return { type: 'refused', reason, server: 'srv', args: [target, text], target, text };
}

describe('IRC refusals as XMPP errors', () => {
  it.each([
    ['channel-full', 'service-unavailable'],
    ['invite-only', 'registration-required'],
    ['banned', 'forbidden'],
    ['bad-key', 'not-authorized'],
    ['no-such-channel', 'item-not-found'],
    ['too-many-channels', 'resource-constraint'],
    ['unavailable', 'conflict'],
    ['registered-only', 'registration-required'],
    ['secure-only', 'forbidden'],
  ] as const)('a JOIN refused with %s is %s (XEP-0045 §7.2)', (reason, condition) => {
    expect(JOIN_REFUSAL_CONDITIONS[reason]).toBe(condition);
  });

  it.each([
    ['cannot-send', 'forbidden'],
    ['not-on-channel', 'not-acceptable'],
    ['registered-only', 'registration-required'],
    ['secure-only', 'forbidden'],
    ['no-colors', 'forbidden'],
    ['not-operator', undefined],
  ] as const)('a message refused with %s is %s (XEP-0045 §7.4)', (reason, condition) => {
    expect(SEND_REFUSALS[reason]).toBe(condition);
  });

  it.each([
    ['not-operator', 'forbidden'],
    ['not-on-channel', 'not-acceptable'],
    ['registered-only', 'registration-required'],
    ['no-such-channel', 'item-not-found'],
    ['cannot-send', undefined],
  ] as const)('a TOPIC refused with %s is %s (XEP-0045 §8.1)', (reason, condition) => {
    expect(TOPIC_REFUSALS[reason]).toBe(condition);
  });

  it.each([
    ['not-operator', 'forbidden'],
    ['not-in-channel', 'item-not-found'],
    ['no-such-nick', 'item-not-found'],
    ['no-such-channel', 'forbidden'],
    ['not-on-channel', 'forbidden'],
    ['no-privileges', 'forbidden'],
  ] as const)('a KICK or MODE refused with %s is %s, with the server’s text', (reason, condition) => {
    expect(moderationRefused(refused(reason))).toMatchObject({ condition, message: 'the server says no' });
  });

  it('a KICK or MODE wait lets other refusals and events pass', () => {
    expect(moderationRefused(refused('cannot-send'))).toBeUndefined();
    expect(moderationRefused(refused('nick-in-use'))).toBeUndefined();
    expect(moderationRefused({ type: 'listEnd' })).toBeUndefined();
  });

  it.each([
    ['erroneous-nick', 'not-acceptable'],
    ['nick-in-use', 'conflict'],
    ['nick-collision', 'conflict'],
    ['unavailable', 'conflict'],
    ['restricted', 'conflict'],
  ] as const)('a NICK refused with %s is %s, naming the nick (XEP-0045 §7.6)', (reason, condition) => {
    expect(nickRefused(refused(reason, 'wanted', 'taken'), 'asked')).toMatchObject({ condition, message: 'wanted: taken' });
  });

  it('a NICK refusal without a nick names the nick asked; other refusals pass', () => {
    expect(nickRefused(refused('restricted', '', 'restricted connection'), 'asked')).toMatchObject({ condition: 'conflict', message: 'asked: restricted connection' });
    expect(nickRefused(refused('not-operator'), 'asked')).toBeUndefined();
  });
});
