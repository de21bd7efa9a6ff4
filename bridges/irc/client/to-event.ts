/**
 * A parsed, cleaned IRC line (input-text.ts has checked the parameters each command needs) as the
 * typed event of events.ts, or undefined when the line is nothing for the bridge: the client's own
 * business (PING, CAP, AUTHENTICATE, ERROR: the connection reports it as `closed`), IRCv3 account-notify,
 * and numerics that only feed state or carry nothing for the user.
 */
import type { ClientTagFields, IrcEvent, MessageTagFields } from './events.js';
import { stripIrcFormatting } from './input-text.js';
import { parseSource, type IrcLine, type Source } from './line.js';
import { REFUSAL_NUMERICS } from './refusal-numerics.js';

// Numerics that carry nothing for the user: RPL_ISUPPORT (the connection keeps it), channel modes and
// creation time, end of WHO, and the LIST header (321): the LIST replies themselves (322/323) are
// events for the channel list's wait (channel-list.ts), never relayed (an endless LIST would be an
// endless flood of messages), as the ban list (367/368) is for bans.ts.
const SILENT = new Set(['005', '329', '324', '315', '321']);

function tagFields(tags: Record<string, string>): MessageTagFields {
  const { msgid, time, label, batch } = tags;
  return {
    ...(msgid !== undefined ? { msgid } : {}),
    ...(time !== undefined ? { time } : {}),
    ...(label !== undefined ? { label } : {}),
    ...(batch !== undefined ? { batch } : {}),
  };
}

const TYPING = new Set(['active', 'paused', 'done']);
/** A msgid is a middle parameter (REDACT sends it as one); a reaction is an emoji or a short text. */
const MSGID = /^[^\s:][^\s]{0,199}$/;
const MAX_REACTION = 64;

/** The client tags the bridge reads; an empty, unknown or oversized value is no tag. */
function clientTagFields(tags: Record<string, string>): ClientTagFields {
  const { '+draft/reply': reply, '+draft/react': react, '+draft/unreact': unreact, '+typing': typing } = tags;
  const reaction = (v: string | undefined) => v !== undefined && v.trim() !== '' && v.length <= MAX_REACTION;
  return {
    ...(reply && MSGID.test(reply) ? { reply } : {}),
    ...(reaction(react) ? { react: react! } : {}),
    ...(reaction(unreact) ? { unreact: unreact! } : {}),
    ...(typing && TYPING.has(typing) ? { typing: typing as 'active' | 'paused' | 'done' } : {}),
  };
}

/** An optional trailing text: absent stays absent, as the handlers tell "no reason" from "". */
function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>);
}

export function toEvent(line: IrcLine): IrcEvent | undefined {
  const p = line.params;
  const source = parseSource(line.prefix);
  switch (line.command) {
    case 'JOIN':
      return { type: 'join', source, channel: p[0] ?? '' };
    case 'PART':
      return { type: 'part', source, channel: p[0] ?? '', ...optional('reason', p[1]) };
    case 'QUIT':
      return { type: 'quit', source, ...optional('reason', p[0]) };
    case 'KICK':
      return { type: 'kick', source, channel: p[0] ?? '', target: p[1] ?? '', ...optional('reason', p[2]) };
    case 'NICK':
      return { type: 'nick', source, newNick: p[0] ?? '' };
    case 'MODE':
      return { type: 'mode', source, target: p[0] ?? '', modes: p[1] ?? '', args: p.slice(2) };
    case 'TOPIC':
      return { type: 'topic', source, channel: p[0] ?? '', topic: p[1] ?? '' };
    case 'PRIVMSG':
    case 'NOTICE':
      if ((p[1] ?? '').startsWith('\x01')) {
        const ctcp = ctcpEvent(line.command, source, p[0] ?? '', p[1] ?? '');
        if (ctcp) return ctcp;
      }
      return {
        type: line.command === 'NOTICE' ? 'notice' : 'message',
        source,
        target: p[0] ?? '',
        text: p[1] ?? '',
        ...tagFields(line.tags),
        ...clientTagFields(line.tags),
        ...(line.tags['draft/multiline-concat'] !== undefined ? { concat: true as const } : {}),
      };
    case 'TAGMSG':
      return { type: 'tagmsg', source, target: p[0] ?? '', ...tagFields(line.tags), ...clientTagFields(line.tags) };
    case 'REDACT':
      return { type: 'redact', source, target: p[0] ?? '', redacted: p[1] ?? '', ...optional('reason', p[2]), ...tagFields(line.tags) };
    case 'INVITE':
      return { type: 'invite', source, target: p[0] ?? '', channel: p[1] ?? '' };
    case 'AWAY':
      return { type: 'away', source, message: p[0] ?? '' };
    case 'CHGHOST':
      return { type: 'chghost', source, user: p[0] ?? '', host: p[1] ?? '' };
    case 'FAIL':
    case 'WARN':
    case 'NOTE': {
      // Standard replies: `FAIL|WARN|NOTE <command> <code> [<context>…] <description>`.
      const type = line.command === 'FAIL' ? 'fail' : line.command === 'WARN' ? 'warn' : 'note';
      return { type, server: source.nick, command: (p[0] ?? '*').toUpperCase(), code: p[1] ?? '', context: p.slice(2, -1), description: p.at(-1) ?? '' };
    }
    case 'PONG':
      // `PONG <server> :<token>`: the token is the last parameter (RFC 2812 §3.7.3).
      return { type: 'pong', server: source.nick, token: p.at(-1) ?? '' };
    case 'BATCH': {
      // `+ref type …` opens, `-ref` closes; a reference without either is no batch line.
      const ref = p[0] ?? '';
      if (!ref.startsWith('+') && !ref.startsWith('-')) return undefined;
      const opening = ref.startsWith('+');
      const batchType = opening ? (p[1] ?? '').toLowerCase() : '';
      return { type: 'batch', source, opening, ref: ref.slice(1), batchType, params: opening ? p.slice(2) : [], ...tagFields(line.tags), ...clientTagFields(line.tags) };
    }
    case 'CHATHISTORY':
      // draft/chathistory: `CHATHISTORY TARGETS <target> <timestamp>` answers a TARGETS request.
      if ((p[0] ?? '').toUpperCase() !== 'TARGETS' || !p[1]) return undefined;
      return { type: 'historyTarget', target: p[1], latest: p[2] ?? '', ...tagFields(line.tags) };
  }
  if (!/^\d{3}$/.test(line.command)) return undefined;
  return numericEvent(line.command, source.nick, p);
}

/**
 * CTCP (https://modern.ircdocs.horse/ctcp): `\x01COMMAND args\x01`, the closing \x01 optional;
 * a stray \x01 inside means nothing and is dropped. ACTION is text (`/me`): undefined, it stays a message.
 */
function ctcpEvent(command: 'PRIVMSG' | 'NOTICE', source: Source, target: string, text: string): IrcEvent | undefined {
  const inner = text.slice(1).replace(/\x01$/, '');
  const sp = inner.indexOf(' ');
  const noDelim = (v: string) => v.replace(/\x01/g, '');
  const name = stripIrcFormatting(noDelim(sp === -1 ? inner : inner.slice(0, sp))).toUpperCase();
  if (name === 'ACTION') return undefined;
  const args = stripIrcFormatting(noDelim(sp === -1 ? '' : inner.slice(sp + 1)));
  return { type: 'ctcp', source, kind: command === 'PRIVMSG' ? 'request' : 'response', target, command: name, args };
}

/** A numeric (RFC 2812 §5): its first parameter is the client's nick. */
function numericEvent(numeric: string, server: string, p: string[]): IrcEvent | undefined {
  const args = p.slice(1);
  switch (numeric) {
    case '332':
      return { type: 'topicInfo', channel: p[1] ?? '', topic: p[2] ?? '' };
    case '333':
      return { type: 'topicInfo', channel: p[1] ?? '', ...(p[2] ? { setBy: parseSource(p[2]).nick } : {}) };
    case '353':
      // `<me> <symbol> <channel> :<entries>`
      return { type: 'names', channel: p[2] ?? '', entries: (p[3] ?? '').split(' ').filter(Boolean) };
    case '366':
      return { type: 'namesEnd', channel: p[1] ?? '' };
    case '352': {
      const [, channel = '', user = '', host = '', , nick = '', flags = ''] = p;
      return { type: 'whoReply', channel, user, host, nick, flags };
    }
    case '301':
      return { type: 'awayReply', server, args, nick: p[1] ?? '', message: p[2] ?? '' };
    case '341':
      // `<me> <nick> <channel>`
      return { type: 'inviting', nick: p[1] ?? '', channel: p[2] ?? '' };
    case '372':
      return { type: 'motd', server, args };
    case '322':
      return p[1] ? { type: 'listEntry', channel: p[1], users: Number(p[2] ?? 0) || 0, topic: p[3] ?? '' } : undefined;
    case '323':
      return { type: 'listEnd' };
    case '367':
      // `<me> <channel> <mask> [<setter> <time>]`
      return p[2] ? { type: 'banList', channel: p[1] ?? '', mask: p[2] } : undefined;
    case '368':
      return { type: 'banListEnd', channel: p[1] ?? '' };
  }
  const reason = REFUSAL_NUMERICS[numeric];
  // `<me> [<target>] :<text>`: 481 and 484 name nothing but their text.
  if (reason) return { type: 'refused', reason, server, args, target: p.length > 2 ? p[1]! : '', text: p.at(-1) ?? '' };
  return SILENT.has(numeric) ? undefined : { type: 'serverText', server, args };
}
