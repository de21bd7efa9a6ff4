/**
 * What the XMPP side asks of one IRC session, as small objects that hold the session and use its
 * methods (design.md §4b): room membership and commands, bans, CTCP, NickServ regain, client tags,
 * the reflections held for the server's verdict, the channel list. Created once with the session.
 */
import { ChannelBans } from './bans.js';
import { ChannelList } from './channel-list.js';
import { ClientTagActions, type TagActionsSession } from './client-tag-actions.js';
import { CtcpAnswers } from './ctcp-answer.js';
import { CtcpQueries } from './ctcp-query.js';
import { NickRegain } from './nick-regain.js';
import { ReflectionGate } from './refusals.js';
import { RoomMembership, type MembershipSession } from './room-actions.js';
import { RoomCommands, type CommandsSession } from './room-commands.js';

/** The session as its requests see it: what each of them needs (each role interface is declared next to its class, on session-port.ts' SessionView). */
export type RequestsSession = MembershipSession & CommandsSession & TagActionsSession;

export class SessionRequests {
  readonly membership: RoomMembership;
  readonly bans: ChannelBans;
  readonly commands: RoomCommands;
  readonly ctcp: CtcpQueries;
  readonly ctcpAnswers: CtcpAnswers;
  readonly nickRegain: NickRegain;
  readonly tags: ClientTagActions;
  /** XEP-0045 §7.4 reflections of groupchats held until the server had its chance to refuse them (refusals.ts). */
  readonly verdicts: ReflectionGate;
  readonly channelList: ChannelList;

  constructor(s: RequestsSession) {
    this.membership = new RoomMembership(s);
    this.bans = new ChannelBans(s);
    this.commands = new RoomCommands(s, this.bans);
    this.ctcp = new CtcpQueries(s);
    this.ctcpAnswers = new CtcpAnswers(s);
    this.nickRegain = new NickRegain(s);
    this.tags = new ClientTagActions(s);
    this.verdicts = new ReflectionGate(s);
    this.channelList = new ChannelList(s);
  }
}
