/**
 * The typed events of the server's answers to the bridge's commands and of the connection's own
 * life (design.md §4b), part of IrcEvent (events.ts): refusals by reason (the numerics are named
 * in refusal-numerics.ts), the ban list, the channel list, PONG, CTCP, registered and closed.
 */
import type { Source } from './line.js';

/** Why a server refused a JOIN (RFC 2812 §5.2 numerics, and 477/489 of modern servers). */
export type JoinRefusal =
  | 'channel-full' // 471 ERR_CHANNELISFULL (+l)
  | 'invite-only' // 473 ERR_INVITEONLYCHAN (+i)
  | 'banned' // 474 ERR_BANNEDFROMCHAN (+b)
  | 'bad-key' // 475 ERR_BADCHANNELKEY (+k)
  | 'no-such-channel' // 403 ERR_NOSUCHCHANNEL
  | 'too-many-channels' // 405 ERR_TOOMANYCHANNELS
  | 'unavailable' // 437 ERR_UNAVAILRESOURCE
  | 'registered-only' // 477 ERR_NEEDREGGEDNICK
  | 'secure-only'; // 489 ERR_SECUREONLYCHAN

/** Why a server refused another command: a message, TOPIC, KICK, MODE, NICK (RFC 2812 §5.2). */
export type CommandRefusal =
  | 'cannot-send' // 404 ERR_CANNOTSENDTOCHAN (+m without voice, +n from outside, banned)
  | 'no-colors' // 408 ERR_NOCOLORS (some networks)
  | 'no-such-nick' // 401 ERR_NOSUCHNICK
  | 'not-in-channel' // 441 ERR_USERNOTINCHANNEL (the nick named is not there)
  | 'not-on-channel' // 442 ERR_NOTONCHANNEL (we are not there)
  | 'not-operator' // 482 ERR_CHANOPRIVSNEEDED
  | 'no-privileges' // 481 ERR_NOPRIVILEGES (IRC operators only)
  | 'erroneous-nick' // 432 ERR_ERRONEUSNICKNAME
  | 'nick-in-use' // 433 ERR_NICKNAMEINUSE
  | 'nick-collision' // 436 ERR_NICKCOLLISION
  | 'restricted'; // 484 ERR_RESTRICTED (a restricted connection may not change its nick)

/** 403, 437, 477 and 489 answer JOIN and other commands alike: one reason each. */
export type RefusalReason = JoinRefusal | CommandRefusal;

/**
 * A refusal numeric. It names no command: RFC 2812 §5.2 answers TOPIC, KICK, MODE and INVITE with
 * the same 482, so the command refused is the one the waiter sent (session awaitEvent).
 */
export interface RefusedEvent {
  type: 'refused';
  reason: RefusalReason;
  /** The server name, and the numeric's parameters after the client's nick (shown to the user as they are). */
  server: string;
  args: string[];
  /** The channel or nick refused (the numeric's first argument); '' when it names none (481, 484). */
  target: string;
  /** The server's text (the last parameter). */
  text: string;
}

/** RPL_BANLIST (367) `<me> <channel> <mask> [<setter> <time>]`, RFC 2812 §3.2.3. */
export interface BanListEvent {
  type: 'banList';
  channel: string;
  mask: string;
}

/** RPL_ENDOFBANLIST (368). */
export interface BanListEndEvent {
  type: 'banListEnd';
  channel: string;
}

/** RPL_LIST (322) `<me> <channel> <visible> :<topic>`, RFC 2812 §3.2.6. */
export interface ListEntryEvent {
  type: 'listEntry';
  channel: string;
  /** Members visible (0 when the server sent no number). */
  users: number;
  topic: string;
}

/** RPL_LISTEND (323). */
export interface ListEndEvent {
  type: 'listEnd';
}

/** PONG (RFC 2812 §3.7.3): the answer to a PING of ours, with its token. */
export interface PongEvent {
  type: 'pong';
  server: string;
  token: string;
}

/**
 * CTCP inside a PRIVMSG (request) or NOTICE (response), https://modern.ircdocs.horse/ctcp. ACTION
 * (`/me`) is not CTCP here: it stays a `message` (it is text for the user).
 */
export interface CtcpEvent {
  type: 'ctcp';
  source: Source;
  kind: 'request' | 'response';
  target: string;
  /** Upper-cased, formatting removed (`VERSION`, `PING`). */
  command: string;
  /** The rest, formatting removed ('' when none). */
  args: string;
}

/** The connection registered (end of the MOTD, 376/422, RFC 2812 §5.1): the nick the server gave. */
export interface RegisteredEvent {
  type: 'registered';
  nick: string;
}

/** The connection closed; `banned` when the server named a ban or K-line (no reconnect then). */
export interface ClosedEvent {
  type: 'closed';
  reason: string;
  banned: boolean;
}
