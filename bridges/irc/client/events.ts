/**
 * What the IRC client reports to the bridge (design.md §4b): one typed, named event per line the
 * bridge acts on, with named fields, so that no handler reads a positional parameter or a numeric.
 * Built from a parsed and cleaned line by to-event.ts; the answers to commands and the
 * connection's own events are in reply-events.ts.
 */
import type { Source } from './line.js';
import type {
  BanListEndEvent,
  BanListEvent,
  ClosedEvent,
  CtcpEvent,
  ListEndEvent,
  ListEntryEvent,
  PongEvent,
  RefusedEvent,
  RegisteredEvent,
} from './reply-events.js';

export type * from './reply-events.js';

/** IRCv3 tags the bridge reads: msgid (message-ids), time (server-time), label (labeled-response), batch. */
export interface MessageTagFields {
  msgid?: string;
  time?: string;
  label?: string;
  batch?: string;
}

/** A line from a user (or a server) with its source split (`nick!user@host`). */
interface FromSource {
  source: Source;
}

/** A numeric's origin (the server name) and its parameters after the client's nick (RFC 2812 §2.4). */
interface Numeric {
  server: string;
  args: string[];
}

export interface JoinEvent extends FromSource {
  type: 'join';
  channel: string;
}

export interface PartEvent extends FromSource {
  type: 'part';
  channel: string;
  reason?: string;
}

export interface QuitEvent extends FromSource {
  type: 'quit';
  reason?: string;
}

export interface KickEvent extends FromSource {
  type: 'kick';
  channel: string;
  /** The nick kicked out. */
  target: string;
  reason?: string;
}

export interface NickEvent extends FromSource {
  type: 'nick';
  newNick: string;
}

export interface ModeEvent extends FromSource {
  type: 'mode';
  /** A channel, or a nick for user modes. */
  target: string;
  /** e.g. `+o-v`. */
  modes: string;
  args: string[];
}

export interface TopicEvent extends FromSource {
  type: 'topic';
  channel: string;
  topic: string;
}

/** RPL_TOPIC (332) carries the topic, RPL_TOPICWHOTIME (333) who set it. */
export interface TopicInfoEvent {
  type: 'topicInfo';
  channel: string;
  topic?: string;
  /** The setter's nick (333 may give a whole mask: only the nick is kept). */
  setBy?: string;
}

/** RPL_NAMREPLY (353): members with their prefixes (`@nick`, `+nick`), as the server lists them. */
export interface NamesEvent {
  type: 'names';
  channel: string;
  entries: string[];
}

/** RPL_ENDOFNAMES (366). */
export interface NamesEndEvent {
  type: 'namesEnd';
  channel: string;
}

/** RPL_WHOREPLY (352) `<me> <channel> <user> <host> <server> <nick> <flags> :<hops> <realname>`. */
export interface WhoReplyEvent {
  type: 'whoReply';
  channel: string;
  user: string;
  host: string;
  nick: string;
  /** `H` here or `G` gone, then `*` and prefixes. */
  flags: string;
}

/**
 * IRCv3 client tags the bridge reads (https://ircv3.net/specs/extensions/message-tags, `+` prefix):
 * `+draft/reply` (the msgid answered or reacted to), `+draft/react` / `+draft/unreact` (a
 * reaction), `+typing` (active, paused, done).
 */
export interface ClientTagFields {
  reply?: string;
  react?: string;
  unreact?: string;
  typing?: 'active' | 'paused' | 'done';
}

/** PRIVMSG (`message`) or NOTICE (`notice`), RFC 2812 §3.3; CTCP is still inside `text`. */
export interface TextEvent extends FromSource, MessageTagFields, ClientTagFields {
  type: 'message' | 'notice';
  target: string;
  text: string;
  /** IRCv3 `draft/multiline-concat` (inside a multiline batch): joined to the line before without a line break. */
  concat?: true;
}

/** IRCv3 TAGMSG (message-tags): tags only, no text. */
export interface TagmsgEvent extends FromSource, MessageTagFields, ClientTagFields {
  type: 'tagmsg';
  target: string;
}

/** IRCv3 `REDACT <target> <msgid> [:reason]` (draft/message-redaction): the source took the message back. */
export interface RedactEvent extends FromSource, MessageTagFields {
  type: 'redact';
  target: string;
  redacted: string;
  reason?: string;
}

/**
 * IRCv3 standard replies `FAIL|WARN|NOTE <command> <code> [<context>…] :<description>`
 * (https://ircv3.net/specs/extensions/standard-replies): e.g. `FAIL REDACT UNKNOWN_MSGID #c id :…`.
 */
interface StandardReply {
  server: string;
  /** The command concerned, upper-cased (`*` when none). */
  command: string;
  code: string;
  context: string[];
  description: string;
}

/** FAIL: the command was refused. */
export interface FailEvent extends StandardReply {
  type: 'fail';
}

/** WARN (it went through, with a problem) and NOTE (information): nothing was refused. */
export interface StandardNoticeEvent extends StandardReply {
  type: 'warn' | 'note';
}

export interface InviteEvent extends FromSource {
  type: 'invite';
  /** The nick invited (us, unless invite-notify). */
  target: string;
  channel: string;
}

/** IRCv3 away-notify: '' means back. */
export interface AwayEvent extends FromSource {
  type: 'away';
  message: string;
}

/** RPL_AWAY (301), the answer to a PM to someone away; also shown as server text. */
export interface AwayReplyEvent extends Numeric {
  type: 'awayReply';
  nick: string;
  message: string;
}

/** IRCv3 chghost: the source's user and host change in place. */
export interface ChghostEvent extends FromSource {
  type: 'chghost';
  user: string;
  host: string;
}

/**
 * IRCv3 batch: `BATCH +ref type …` opens one, `BATCH -ref` closes it. A draft/multiline batch's
 * opening line carries the message's source, msgid, time, label and client tags
 * (https://ircv3.net/specs/extensions/multiline).
 */
export interface BatchEvent extends FromSource, MessageTagFields, ClientTagFields {
  type: 'batch';
  opening: boolean;
  ref: string;
  /** Lower-cased (`chathistory`, `netsplit`); '' when closing. */
  batchType: string;
  /** The parameters after the type (`chathistory <target>`, `draft/multiline <target>`). */
  params: string[];
}

/**
 * `CHATHISTORY TARGETS <target> <timestamp>` inside a `draft/chathistory-targets` batch
 * (https://ircv3.net/specs/extensions/chathistory): a conversation with messages in the window asked.
 */
export interface HistoryTargetEvent extends MessageTagFields {
  type: 'historyTarget';
  target: string;
  /** Its latest message (ISO 8601, as the server wrote it). */
  latest: string;
}

/** RPL_INVITING (341): our INVITE went out. */
export interface InvitingEvent {
  type: 'inviting';
  nick: string;
  channel: string;
}

/** RPL_MOTD (372): one line of the message of the day. */
export interface MotdEvent extends Numeric {
  type: 'motd';
}

/** Any other numeric meant for the user's eyes (WHOIS replies, errors, …). */
export interface ServerTextEvent extends Numeric {
  type: 'serverText';
}

export type IrcEvent =
  | JoinEvent
  | PartEvent
  | QuitEvent
  | KickEvent
  | NickEvent
  | ModeEvent
  | TopicEvent
  | TopicInfoEvent
  | NamesEvent
  | NamesEndEvent
  | WhoReplyEvent
  | TextEvent
  | TagmsgEvent
  | RedactEvent
  | FailEvent
  | StandardNoticeEvent
  | InviteEvent
  | AwayEvent
  | AwayReplyEvent
  | ChghostEvent
  | BatchEvent
  | HistoryTargetEvent
  | InvitingEvent
  | MotdEvent
  | ServerTextEvent
  | RefusedEvent
  | BanListEvent
  | BanListEndEvent
  | ListEntryEvent
  | ListEndEvent
  | PongEvent
  | CtcpEvent
  | RegisteredEvent
  | ClosedEvent;
