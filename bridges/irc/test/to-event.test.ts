// The IRC client's typed events (bridges/irc/client/to-event.ts): each line the bridge acts on, with
// named fields, so the handlers never read a positional parameter or a numeric.
import { describe, expect, it } from 'vitest';
import { cleanIncomingLine } from '../client/input-text.js';
import { parseLine } from '../client/line.js';
import { toEvent } from '../client/to-event.js';

function event(raw: string) {
  const line = cleanIncomingLine(parseLine(raw)!);
  if ('refused' in line) throw new Error(`refused: ${raw}`);
  return toEvent(line);
}

const alice = { nick: 'alice', user: 'a', host: 'h' };

describe('IRC lines as typed events', () => {
  it.each([
    [':alice!a@h JOIN #c', { type: 'join', source: alice, channel: '#c' }],
    [':alice!a@h JOIN #c acct :Real Name', { type: 'join', source: alice, channel: '#c' }],
    [':alice!a@h PART #c', { type: 'part', source: alice, channel: '#c' }],
    [':alice!a@h PART #c :bye now', { type: 'part', source: alice, channel: '#c', reason: 'bye now' }],
    [':alice!a@h QUIT :Quit: gone', { type: 'quit', source: alice, reason: 'Quit: gone' }],
    [':alice!a@h KICK #c bob :spam', { type: 'kick', source: alice, channel: '#c', target: 'bob', reason: 'spam' }],
    [':alice!a@h NICK alice2', { type: 'nick', source: alice, newNick: 'alice2' }],
    [':alice!a@h MODE #c +ov bob carol', { type: 'mode', source: alice, target: '#c', modes: '+ov', args: ['bob', 'carol'] }],
    [':alice!a@h TOPIC #c :new topic', { type: 'topic', source: alice, channel: '#c', topic: 'new topic' }],
    [
      '@time=2026-01-01T00:00:00.000Z;msgid=m1;batch=b1;label=l1 :alice!a@h PRIVMSG #c :hi there',
      { type: 'message', source: alice, target: '#c', text: 'hi there', time: '2026-01-01T00:00:00.000Z', msgid: 'm1', batch: 'b1', label: 'l1' },
    ],
    [':alice!a@h NOTICE me :psst', { type: 'notice', source: alice, target: 'me', text: 'psst' }],
    [':alice!a@h INVITE me #c', { type: 'invite', source: alice, target: 'me', channel: '#c' }],
    [':alice!a@h AWAY :lunch', { type: 'away', source: alice, message: 'lunch' }],
    [':alice!a@h AWAY', { type: 'away', source: alice, message: '' }],
    [':alice!a@h CHGHOST newuser new.host', { type: 'chghost', source: alice, user: 'newuser', host: 'new.host' }],
    [':srv BATCH +b1 chathistory #c', { type: 'batch', source: { nick: 'srv' }, opening: true, ref: 'b1', batchType: 'chathistory', params: ['#c'] }],
    [':srv BATCH -b1', { type: 'batch', source: { nick: 'srv' }, opening: false, ref: 'b1', batchType: '', params: [] }],
    [
      '@msgid=m1;time=2026-01-01T00:00:00.000Z;label=l1;+draft/reply=p1 :alice!a@h BATCH +ml draft/multiline #c',
      { type: 'batch', source: alice, opening: true, ref: 'ml', batchType: 'draft/multiline', params: ['#c'], msgid: 'm1', time: '2026-01-01T00:00:00.000Z', label: 'l1', reply: 'p1' },
    ],
    ['@batch=ml;draft/multiline-concat :alice!a@h PRIVMSG #c :more', { type: 'message', source: alice, target: '#c', text: 'more', batch: 'ml', concat: true }],
    ['@batch=t1 :srv CHATHISTORY TARGETS bob 2026-01-01T00:00:00.000Z', { type: 'historyTarget', target: 'bob', latest: '2026-01-01T00:00:00.000Z', batch: 't1' }],
    [':srv 332 me #c :the topic', { type: 'topicInfo', channel: '#c', topic: 'the topic' }],
    [':srv 333 me #c bob!b@h 1700000000', { type: 'topicInfo', channel: '#c', setBy: 'bob' }],
    [':srv 353 me = #c :@op +voice plain', { type: 'names', channel: '#c', entries: ['@op', '+voice', 'plain'] }],
    [':srv 366 me #c :End of /NAMES list.', { type: 'namesEnd', channel: '#c' }],
    [':srv 352 me #c bu bh srv bob G@ :0 Bob', { type: 'whoReply', channel: '#c', user: 'bu', host: 'bh', nick: 'bob', flags: 'G@' }],
    [':srv 301 me bob :at lunch', { type: 'awayReply', server: 'srv', args: ['bob', 'at lunch'], nick: 'bob', message: 'at lunch' }],
    [':srv 341 me bob #c', { type: 'inviting', nick: 'bob', channel: '#c' }],
    [':srv 372 me :- hello', { type: 'motd', server: 'srv', args: ['- hello'] }],
    [':srv 311 me bob bu bh * :Bob', { type: 'serverText', server: 'srv', args: ['bob', 'bu', 'bh', '*', 'Bob'] }],
    // IRCv3 client tags (message-tags) on PRIVMSG and TAGMSG, REDACT, standard replies.
    ['@+draft/reply=p1;msgid=m2 :alice!a@h PRIVMSG #c :yes', { type: 'message', source: alice, target: '#c', text: 'yes', msgid: 'm2', reply: 'p1' }],
    ['@+draft/react=👍;+draft/reply=p1 :alice!a@h TAGMSG #c', { type: 'tagmsg', source: alice, target: '#c', react: '👍', reply: 'p1' }],
    ['@+draft/unreact=👍;+draft/reply=p1 :alice!a@h TAGMSG #c', { type: 'tagmsg', source: alice, target: '#c', unreact: '👍', reply: 'p1' }],
    ['@+typing=active :alice!a@h TAGMSG me', { type: 'tagmsg', source: alice, target: 'me', typing: 'active' }],
    ['@+typing=paused;time=2026-01-01T00:00:00.000Z :alice!a@h TAGMSG #c', { type: 'tagmsg', source: alice, target: '#c', typing: 'paused', time: '2026-01-01T00:00:00.000Z' }],
    ['@+typing=dancing;+draft/react=;+draft/reply=:bad :alice!a@h TAGMSG #c', { type: 'tagmsg', source: alice, target: '#c' }],
    [`@+draft/react=${'x'.repeat(65)} :alice!a@h TAGMSG #c`, { type: 'tagmsg', source: alice, target: '#c' }],
    [':alice!a@h REDACT #c m1', { type: 'redact', source: alice, target: '#c', redacted: 'm1' }],
    ['@msgid=r1 :alice!a@h REDACT #c m1 :oops', { type: 'redact', source: alice, target: '#c', redacted: 'm1', reason: 'oops', msgid: 'r1' }],
    [
      ':srv FAIL REDACT UNKNOWN_MSGID #c m1 :This message does not exist',
      { type: 'fail', server: 'srv', command: 'REDACT', code: 'UNKNOWN_MSGID', context: ['#c', 'm1'], description: 'This message does not exist' },
    ],
    [':srv FAIL * ACCOUNT_REQUIRED :Log in first', { type: 'fail', server: 'srv', command: '*', code: 'ACCOUNT_REQUIRED', context: [], description: 'Log in first' }],
    [':srv WARN rehash CERTS_EXPIRED :Certificate has expired', { type: 'warn', server: 'srv', command: 'REHASH', code: 'CERTS_EXPIRED', context: [], description: 'Certificate has expired' }],
    [':srv NOTE * OPER_MESSAGE #c :The message', { type: 'note', server: 'srv', command: '*', code: 'OPER_MESSAGE', context: ['#c'], description: 'The message' }],
  ])('%s', (raw, expected) => {
    expect(event(raw)).toEqual(expected);
  });

  it.each([
    // Refusals (client/refusal-numerics.ts): the reason, what was refused, the server's text.
    [':srv 475 me #c :Cannot join channel (+k)', 'bad-key', '#c', 'Cannot join channel (+k)'],
    [':srv 471 me #c :full', 'channel-full', '#c', 'full'],
    [':srv 473 me #c :invite only', 'invite-only', '#c', 'invite only'],
    [':srv 474 me #c :banned', 'banned', '#c', 'banned'],
    [':srv 403 me #nope :No such channel', 'no-such-channel', '#nope', 'No such channel'],
    [':srv 405 me #c :too many', 'too-many-channels', '#c', 'too many'],
    [':srv 437 me newnick :Nick/channel is temporarily unavailable', 'unavailable', 'newnick', 'Nick/channel is temporarily unavailable'],
    [':srv 477 me #c :You need a registered nick', 'registered-only', '#c', 'You need a registered nick'],
    [':srv 489 me #c :TLS only', 'secure-only', '#c', 'TLS only'],
    [':srv 404 me #c :Cannot send to channel', 'cannot-send', '#c', 'Cannot send to channel'],
    [':srv 408 me #c :No colours', 'no-colors', '#c', 'No colours'],
    [':srv 401 me bob :No such nick/channel', 'no-such-nick', 'bob', 'No such nick/channel'],
    [":srv 441 me bob #c :They aren't on that channel", 'not-in-channel', 'bob', "They aren't on that channel"],
    [":srv 442 me #c :You're not on that channel", 'not-on-channel', '#c', "You're not on that channel"],
    [":srv 482 me #c :You're not channel operator", 'not-operator', '#c', "You're not channel operator"],
    [':srv 481 me :Permission Denied', 'no-privileges', '', 'Permission Denied'],
    [':srv 432 me b@d :Erroneous nickname', 'erroneous-nick', 'b@d', 'Erroneous nickname'],
    [':srv 433 me bob :Nickname is already in use', 'nick-in-use', 'bob', 'Nickname is already in use'],
    [':srv 436 me bob :Nickname collision', 'nick-collision', 'bob', 'Nickname collision'],
    [':srv 484 me :Your connection is restricted', 'restricted', '', 'Your connection is restricted'],
  ])('a refusal: %s', (raw, reason, target, text) => {
    const args = parseLine(raw)!.params.slice(1);
    expect(event(raw)).toEqual({ type: 'refused', server: 'srv', args, reason, target, text });
  });

  it.each([
    // The answers the bridge waits for: ban list, channel list, PONG.
    [':srv 367 me #c *!*@bad.host op 1700000000', { type: 'banList', channel: '#c', mask: '*!*@bad.host' }],
    [':srv 367 me #c nick!*@*', { type: 'banList', channel: '#c', mask: 'nick!*@*' }],
    [':srv 368 me #c :End of channel ban list', { type: 'banListEnd', channel: '#c' }],
    [':srv 322 me #c 3 :the topic', { type: 'listEntry', channel: '#c', users: 3, topic: 'the topic' }],
    [':srv 322 me #quiet 12', { type: 'listEntry', channel: '#quiet', users: 12, topic: '' }],
    [':srv 322 me #c many :odd count', { type: 'listEntry', channel: '#c', users: 0, topic: 'odd count' }],
    [':srv 323 me :End of LIST', { type: 'listEnd' }],
    [':srv PONG srv :sb-1-abc', { type: 'pong', server: 'srv', token: 'sb-1-abc' }],
    [':srv PONG :keepalive', { type: 'pong', server: 'srv', token: 'keepalive' }],
    // CTCP (https://modern.ircdocs.horse/ctcp): requests in PRIVMSG, responses in NOTICE; ACTION stays a message.
    [':alice!a@h PRIVMSG me :\x01VERSION\x01', { type: 'ctcp', source: alice, kind: 'request', target: 'me', command: 'VERSION', args: '' }],
    [':alice!a@h PRIVMSG me :\x01PING 12345\x01', { type: 'ctcp', source: alice, kind: 'request', target: 'me', command: 'PING', args: '12345' }],
    [':alice!a@h PRIVMSG me :\x01ping 12345', { type: 'ctcp', source: alice, kind: 'request', target: 'me', command: 'PING', args: '12345' }],
    [':alice!a@h NOTICE me :\x01VERSION \x02Cool\x02 client 1.0\x01', { type: 'ctcp', source: alice, kind: 'response', target: 'me', command: 'VERSION', args: 'Cool client 1.0' }],
    [':alice!a@h NOTICE me :\x01TIME a\x01b\x01', { type: 'ctcp', source: alice, kind: 'response', target: 'me', command: 'TIME', args: 'ab' }],
    [':alice!a@h PRIVMSG #c :\x01ACTION waves\x01', { type: 'message', source: alice, target: '#c', text: '\x01ACTION waves\x01' }],
  ])('%s', (raw, expected) => {
    expect(event(raw)).toEqual(expected);
  });

  it.each([
    'PING :srv',
    ':srv CAP me ACK :sasl',
    'ERROR :Closing link',
    ':alice!a@h ACCOUNT acct',
    ':srv 005 me CHANTYPES=# :are supported',
    ':srv 321 me Channel :Users  Name',
    ':srv 367 me #c',
    ':srv 315 me #c :End of WHO',
    ':srv BATCH b1 weird',
    ':srv CHATHISTORY LATEST bob',
    ':srv CHATHISTORY TARGETS',
  ])('is nothing for the bridge: %s', (raw) => {
    expect(event(raw)).toBeUndefined();
  });
});
