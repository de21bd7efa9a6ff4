/**
 * The core model: the only vocabulary shared by the XMPP layer and the bridge adapters.
 *
 * Adapters never see XML and the XMPP layer never sees IRC/Twilio/SMTP types (design.md §1.2).
 * Addresses on the component domain are given as *local parts* (`#chan%net`, `+1555…`,
 * `alice\40example.com`); the XMPP layer adds the component domain. An occupant address
 * is a local part plus a `resource` (the nick).
 *
 * Every event carries `user`: the bare JID of the local XMPP user it belongs to.
 */

import type { Affiliation, ErrorCondition, ErrorType, MucUser, ReceiptState, Role } from './model-vocabulary.js';
export type { Affiliation, ErrorCondition, ErrorType, MucUser, ReceiptState, Role } from './model-vocabulary.js';

/** A bare JID of a local XMPP user, e.g. `alice@example.org`. */
export type UserJid = string;

/** XEP-0066 out-of-band data: a link (file, picture) with an optional description. */
export interface Oob {
  url: string;
  desc?: string;
}

/**
 * XEP-0461 reply: the message this one answers. `id` is the parent's id as the replying client
 * names it: in a room the XEP-0359 stanza-id the room gave it, in a chat the sender's message id
 * (or origin-id). `to` is the full JID (outbound: as the client wrote it) or, inbound, the local
 * part + resource of the parent's author when the bridge knows it.
 */
export interface ReplyRef {
  id: string;
  to?: string;
}

/** XEP-0085 chat states. */
export type ChatState = 'active' | 'composing' | 'paused' | 'inactive' | 'gone';

/** XEP-0045 join history request (`<history/>` in the join presence). */
export interface HistoryRequest {
  maxchars?: number;
  maxstanzas?: number;
  seconds?: number;
  /** ISO 8601 timestamp (events are stored as JSON). */
  since?: string;
}

interface OutboundBase {
  user: UserJid;
  /** The sending resource, when the stanza came from a full JID. */
  resource?: string;
  /** The XMPP stanza id (used for receipts, corrections and error reports). */
  id?: string;
  /** XEP-0359 origin-id, when the client sent one. */
  originId?: string;
  /** Local part of the destination on the component domain. */
  to: string;
  /** Resource of the destination (an occupant nick), if any. */
  toResource?: string;
}

/** Outbound = XMPP → network. Produced by the XMPP layer, handed to `Bridge.send` by the outbox. */
export type Outbound =
  | (OutboundBase & {
      kind: 'message';
      type: 'chat' | 'groupchat' | 'normal';
      body: string;
      subject?: string;
      /** XEP-0201 thread id. */
      thread?: string;
      oob?: Oob[];
      /** XEP-0184: the sender asked for a delivery receipt. */
      receiptRequested: boolean;
      /** XEP-0461: the message answers this one (its quoted fallback is already removed). */
      replyTo?: ReplyRef;
    })
  | (OutboundBase & {
      /**
       * XEP-0424 retraction of the user's own earlier message `retracts` (a stanza-id in a room,
       * the message id or origin-id in a chat). A network that cannot unsend throws
       * `feature-not-implemented` with what happened ("SMS cannot unsend a text; it was already
       * delivered"); nothing is sent.
       */
      kind: 'retraction';
      type: 'chat' | 'groupchat' | 'normal';
      retracts: string;
    })
  | (OutboundBase & {
      /**
       * XEP-0444 reactions of the user to the message `reactsTo` (id as for `ReplyRef.id`):
       * `emojis` is the user's whole current set for it (empty = every reaction removed), as the
       * XEP says; a bridge sends what changed, or refuses with `feature-not-implemented`.
       */
      kind: 'reaction';
      type: 'chat' | 'groupchat' | 'normal';
      reactsTo: string;
      emojis: string[];
    })
  | (OutboundBase & {
      /**
       * XEP-0085 chat state of the user in a chat or room (a standalone notification, no body).
       * Ephemeral (core/ephemeral.ts): only sent to addresses whose bridge declares
       * `FEATURES.chatStates`; one attempt, never retried or reported, skipped when stale.
       */
      kind: 'chatstate';
      type: 'chat' | 'groupchat';
      state: ChatState;
    })
  | (OutboundBase & {
      /** XEP-0308 last message correction: `replaces` is the id of the corrected message. */
      kind: 'correction';
      type: 'chat' | 'groupchat' | 'normal';
      replaces: string;
      body: string;
    })
  | (OutboundBase & {
      /** XEP-0045 join (presence with `<x xmlns='…muc'/>` to `room/nick`). */
      kind: 'join';
      nick: string;
      password?: string;
      history?: HistoryRequest;
      /**
       * The core re-establishes a room whose resources did not leave (after a restart, design.md
       * §4a): no resource is new; the bridge joins the network side and reports `ctx.rooms.joined`
       * without a resource.
       */
      rejoin?: boolean;
    })
  | (OutboundBase & { kind: 'leave'; status?: string })
  | (OutboundBase & { kind: 'nick'; nick: string })
  | (OutboundBase & { kind: 'subject'; subject: string })
  | (OutboundBase & {
      /**
       * muc#admin item change: kick (role none), voice, op… on the occupant `nick`; or an
       * affiliation change of `jid` (XEP-0045 §9.1 ban, §9.2 unban by affiliation none), who
       * need not be in the room. One of the two is given.
       */
      kind: 'moderate';
      nick?: string;
      jid?: string;
      role?: Role;
      affiliation?: Affiliation;
      reason?: string;
    })
  | (OutboundBase & { kind: 'invite'; invitee: string; reason?: string })
  | (OutboundBase & {
      /**
       * The user's own presence (RFC 6121 §4) from `resource` reached the domain or a contact
       * (broadcast to a JID they let see it, or directed); room presences are join/nick/leave.
       * Only for bridges whose network has presence (`hasPresence`; IRC: AWAY). Unavailable: the
       * resource is gone; rooms hear it from their own `leave`, which the XMPP server sends to
       * every room the resource joined (RFC 6121 §4.6.3), in order after that room's messages.
       * Ordered per user (all of a user's presences share one ordering key).
       */
      kind: 'presence';
      available: boolean;
      show?: 'away' | 'chat' | 'dnd' | 'xa';
      status?: string;
    });

export type OutboundKind = Outbound['kind'];

interface InboundBase {
  user: UserJid;
  /** Local part of the sender on the component domain ('' = the component domain itself). */
  from: string;
  /** Resource of the sender (an occupant nick), if any. */
  fromResource?: string;
  /** Resource of the user to address; absent = the user's bare JID. */
  toResource?: string;
}

/** Inbound = network → XMPP. Given by an adapter to `ctx.deliver`, sent by the outbox. */
export type Inbound =
  | (InboundBase & {
      kind: 'message';
      type: 'chat' | 'groupchat' | 'normal' | 'headline';
      body: string;
      subject?: string;
      thread?: string;
      oob?: Oob[];
      /** Stanza id to use (e.g. the reflected id of the sender's own groupchat message). */
      id?: string;
      /** XEP-0359 stanza-id assigned by `from` (rooms). */
      stanzaId?: string;
      originId?: string;
      /** XEP-0203 delayed delivery timestamp, ISO 8601 (history, offline SMS). */
      delay?: string;
      /** XEP-0308: this message corrects the message with this id. */
      replaces?: string;
      /** Ask the client for a XEP-0184 receipt. */
      requestReceipt?: boolean;
      /** XEP-0461: the message answers this one (id as the XMPP side knows it). */
      replyTo?: ReplyRef;
      /**
       * XEP-0424 §6: an archived message that was retracted (join history): sent as a tombstone,
       * `<retracted/>` with the retraction's time and id, and no body (`body` is ignored).
       */
      retracted?: { stamp: string; id?: string };
      /**
       * The bridge's own note about the network message (never sent over XMPP), handed back to
       * `Bridge.inboundDead` when the message cannot be delivered (email: the envelope sender
       * the DSN goes to).
       */
      ref?: string;
    })
  | (InboundBase & {
      /**
       * XEP-0424: the author `from` (room occupant or contact) unsent their message `retracts`
       * (the id the XMPP side knows it by: the stanza-id in a room, the message id in a chat).
       */
      kind: 'retraction';
      type: 'chat' | 'groupchat';
      retracts: string;
      /** Stanza id to use; stanza-id assigned by the room, as for messages. */
      id?: string;
      stanzaId?: string;
    })
  | (InboundBase & {
      /**
       * XEP-0444: `from`'s whole current set of reactions to the message `reactsTo` (empty =
       * all removed). A network that sends one change at a time is turned into a set by the
       * bridge (it knows what it sent before).
       */
      kind: 'reaction';
      type: 'chat' | 'groupchat';
      reactsTo: string;
      emojis: string[];
      id?: string;
      stanzaId?: string;
    })
  | (InboundBase & {
      /** XEP-0085 chat state of `from` (typing, paused, …); not archived, not retried. */
      kind: 'chatstate';
      type: 'chat' | 'groupchat';
      state: ChatState;
    })
  | (InboundBase & {
      kind: 'subject';
      subject: string;
    })
  | (InboundBase & {
      kind: 'presence';
      type: 'available' | 'unavailable';
      show?: 'away' | 'chat' | 'dnd' | 'xa';
      status?: string;
      muc?: MucUser;
    })
  | (InboundBase & {
      /** XEP-0184 receipt (delivered) or a delivery failure for the XMPP message `id`. */
      kind: 'receipt';
      id: string;
      state: ReceiptState;
      /** For `failed`: what went wrong, shown to the user. */
      condition?: ErrorCondition;
      text?: string;
    })
  | (InboundBase & {
      /** XEP-0045 §7.8.2 mediated invitation from a room (`from`) to the user. */
      kind: 'invite';
      /** Who invites: an occupant nick or a JID-like name. */
      inviter?: string;
      reason?: string;
      password?: string;
    })
  | (InboundBase & {
      /** An error stanza about an earlier XMPP stanza (`id`) of the user. */
      kind: 'error';
      stanza: 'message' | 'presence' | 'iq';
      id?: string;
      condition: ErrorCondition;
      errorType?: ErrorType;
      text?: string;
      /** Include `<x xmlns='…muc'/>` (a failed MUC join). */
      mucJoin?: boolean;
    });

export type InboundKind = Inbound['kind'];
