/**
 * The core's rooms (design.md §4a): per (bridge, user, room) the joined resources, the user's own
 * nick and the subject, kept in memory and stored (so a restart is invisible, see `stored`), and
 * the XEP-0045 stanzas for each report a bridge makes through `ctx.rooms` (src/xmpp/muc.ts writes
 * the status codes). Occupants are never copied here: the bridge gives them with each report.
 */
import { StanzaError } from './errors.js';
import type { Inbound, Outbound, UserJid } from './model.js';
import type { KeyValueStore } from './bridge-services.js';
import type { BridgeRooms, JoinedOptions, LeaveOptions, Occupant, RoomAction, RoomMessage, RoomSnapshot, StoredRoom } from './room-types.js';
import { RoomTable, type RoomState } from './room-table.js';
import { endedPresence, joinSelfPresence, leavePresence, occupantPresence, renamePresences, selfPresence, type MucTarget } from '../xmpp/muc.js';
import type { RoomInfo } from './hook-types.js';

export interface CoreRoomsDeps {
  /** The bridge's `ctx.deliver` without waiting for the commit: rooms have nothing to acknowledge. */
  deliver(event: Inbound, dedupeKey?: string): void;
  kv: KeyValueStore;
}

const NONE: ReadonlySet<string> = new Set();

export class CoreRooms implements BridgeRooms {
  private readonly rooms: RoomTable;

  constructor(private readonly deps: CoreRoomsDeps) {
    this.rooms = new RoomTable(deps.kv);
  }

  // ---- what a bridge reports (BridgeRooms) ----

  joined(user: UserJid, room: string, snapshot: RoomSnapshot, options: JoinedOptions): Promise<void> {
    let state = this.rooms.get(user, room);
    // A rejoin of a room none of the user's resources is in (IRC: a persistent channel): nobody to tell.
    if (!state && options.resource === undefined) return Promise.resolve();
    const before = state ? `${state.nick}\n${[...state.resources].join('\n')}` : '';
    if (!state) {
      state = this.rooms.add({ user, room, nick: snapshot.nick, role: 'participant', affiliation: 'none', resources: new Set(), joined: true, subject: '', occupants: 0 });
    }
    Object.assign(state, { nick: snapshot.nick, role: snapshot.self.role, affiliation: snapshot.self.affiliation, joined: true, subject: snapshot.subject });
    const targets = options.resource !== undefined ? [options.resource] : [...state.resources];
    const self: Occupant = { nick: snapshot.nick, ...snapshot.self };
    const assigned = options.requestedNick !== undefined && options.requestedNick.toLowerCase() !== snapshot.nick.toLowerCase();
    const history = options.history ? [...options.history] : [];
    let count = 1;
    const others: Occupant[] = [];
    for (const o of snapshot.occupants) if (o.nick !== snapshot.nick) others.push(o);
    count += others.length;
    state.occupants = count;
    for (const resource of targets) {
      const t = { user, room, resource };
      // XEP-0045 §7.2: the other occupants, the self-presence, the history, then the subject.
      for (const o of others) this.deps.deliver(occupantPresence(t, o));
      this.deps.deliver(joinSelfPresence(t, self, assigned, options.status));
      for (const h of history) {
        this.deps.deliver({
          kind: 'message',
          user,
          from: room,
          fromResource: h.nick,
          toResource: resource,
          type: 'groupchat',
          body: h.body,
          stanzaId: h.stanzaId,
          delay: h.stamp,
          ...(h.replyTo ? { replyTo: h.replyTo } : {}),
          ...(h.retracted ? { retracted: h.retracted } : {}),
        });
      }
      const by = snapshot.subjectBy && others.some((o) => o.nick === snapshot.subjectBy) ? snapshot.subjectBy : undefined;
      this.deps.deliver({ kind: 'subject', user, from: room, toResource: resource, subject: snapshot.subject, ...(by ? { fromResource: by } : {}) });
    }
    if (options.resource !== undefined) state.resources.add(options.resource);
    if (before !== `${state.nick}\n${[...state.resources].join('\n')}`) this.rooms.persist(state);
    return Promise.resolve();
  }

  occupantJoined(user: UserJid, room: string, occupant: Occupant): Promise<void> {
    const state = this.live(user, room);
    if (!state || occupant.nick === state.nick) return Promise.resolve();
    state.occupants++;
    this.fanOut(user, state, (t) => occupantPresence(t, occupant));
    return Promise.resolve();
  }

  occupantChanged(user: UserJid, room: string, occupant: Occupant): Promise<void> {
    const state = this.live(user, room);
    if (!state) return Promise.resolve();
    if (occupant.nick === state.nick) {
      Object.assign(state, { role: occupant.role, affiliation: occupant.affiliation });
      this.fanOut(user, state, (t) => selfPresence(t, occupant));
    } else this.fanOut(user, state, (t) => occupantPresence(t, occupant));
    return Promise.resolve();
  }

  occupantLeft(user: UserJid, room: string, occupant: Occupant, options: LeaveOptions = {}): Promise<void> {
    const state = this.rooms.get(user, room);
    if (!state) return Promise.resolve();
    const isSelf = occupant.nick === state.nick;
    if (!isSelf && !state.joined) return Promise.resolve();
    state.occupants = Math.max(1, state.occupants - 1);
    this.fanOut(user, state, (t) => leavePresence(t, occupant, isSelf, options));
    if (isSelf) this.rooms.forget(state);
    return Promise.resolve();
  }

  occupantRenamed(user: UserJid, room: string, occupant: Occupant, newNick: string): Promise<void> {
    const state = this.rooms.get(user, room);
    if (!state) return Promise.resolve();
    const isSelf = occupant.nick === state.nick;
    if (isSelf) {
      state.nick = newNick;
      this.rooms.persist(state);
    }
    if (!state.joined) return Promise.resolve();
    this.fanOut(user, state, (t) => renamePresences(t, occupant, newNick, isSelf));
    return Promise.resolve();
  }

  message(user: UserJid, room: string, m: RoomMessage): Promise<void> {
    const state = this.live(user, room);
    if (!state) return Promise.resolve();
    const targets = m.toResource !== undefined ? [m.toResource] : state.resources;
    for (const resource of targets) {
      this.deps.deliver(
        {
          kind: 'message',
          user,
          from: state.room,
          ...(m.nick !== undefined ? { fromResource: m.nick } : {}),
          toResource: resource,
          type: 'groupchat',
          body: m.body,
          ...(m.stanzaId ? { stanzaId: m.stanzaId } : {}),
          ...(m.delay ? { delay: m.delay } : {}),
          ...(m.id ? { id: m.id } : {}),
          ...(m.originId ? { originId: m.originId } : {}),
          ...(m.replaces ? { replaces: m.replaces } : {}),
          ...(m.replyTo ? { replyTo: m.replyTo } : {}),
        },
        m.dedupeKey !== undefined ? `${m.dedupeKey}:${resource}` : undefined,
      );
    }
    return Promise.resolve();
  }

  action(user: UserJid, room: string, nick: string, action: RoomAction): Promise<void> {
    const state = this.live(user, room);
    if (!state) return Promise.resolve();
    this.fanOut(user, state, (t) => ({ ...action, user, from: state.room, fromResource: nick, toResource: t.resource, type: 'groupchat' }));
    return Promise.resolve();
  }

  subject(user: UserJid, room: string, subject: string, by?: string): Promise<void> {
    const state = this.live(user, room);
    if (!state) return Promise.resolve();
    state.subject = subject;
    this.fanOut(user, state, (t) => ({ kind: 'subject', user, from: state.room, toResource: t.resource, subject, ...(by ? { fromResource: by } : {}) }));
    return Promise.resolve();
  }

  lost(user: UserJid, room: string, occupants: Iterable<Occupant>, status: string): Promise<void> {
    const state = this.rooms.get(user, room);
    if (!state) return Promise.resolve();
    const others = [...occupants].filter((o) => o.nick !== state.nick);
    if (state.joined) for (const o of others) this.fanOut(user, state, (t) => occupantPresence(t, o, { type: 'unavailable' }));
    state.joined = false;
    state.occupants = 1;
    const self: Occupant = { nick: state.nick, role: state.role, affiliation: state.affiliation };
    this.fanOut(user, state, (t) => selfPresence(t, self, { status }));
    return Promise.resolve();
  }

  ended(user: UserJid, room: string, status: string): Promise<void> {
    const state = this.rooms.get(user, room);
    if (!state) return Promise.resolve();
    this.fanOut(user, state, (t) => endedPresence(t, state.nick, status));
    this.rooms.forget(state);
    return Promise.resolve();
  }

  resources(user: UserJid, room: string): ReadonlySet<string> {
    return this.rooms.get(user, room)?.resources ?? NONE;
  }

  nick(user: UserJid, room: string): string | undefined {
    return this.rooms.get(user, room)?.nick;
  }

  // ---- what the core asks ----

  /**
   * A resource leaves (§7.14). `'bridge'`: it is the user's last resource in the room, so the
   * bridge leaves the network side (then call `left`); `'done'`: nothing more to do (the room
   * stays for the other resources, or the resource was not in it).
   */
  leave(event: Extract<Outbound, { kind: 'leave' }>): 'bridge' | 'done' {
    const state = this.rooms.get(event.user, event.to);
    if (!state) return 'bridge';
    const resource = event.resource ?? '';
    if (!state.resources.has(resource)) return 'done';
    if (state.resources.size === 1) return 'bridge';
    state.resources.delete(resource);
    this.rooms.persist(state);
    const n = state.resources.size;
    const self: Occupant = { nick: state.nick, role: 'none', affiliation: state.affiliation };
    this.deps.deliver(
      selfPresence({ user: event.user, room: state.room, resource }, self, {
        type: 'unavailable',
        status: `${n} resource${n === 1 ? ' is' : 's are'} still in this room.`,
      }),
    );
    return 'done';
  }

  /** The bridge left the network side for the last resource: its unavailable self-presence, with the bridge's word. */
  left(event: Extract<Outbound, { kind: 'leave' }>, status?: string): void {
    const state = this.rooms.get(event.user, event.to);
    const resource = event.resource ?? '';
    if (!state?.resources.has(resource)) return;
    const self: Occupant = { nick: state.nick, role: 'none', affiliation: state.affiliation };
    this.deps.deliver(selfPresence({ user: event.user, room: state.room, resource }, self, { type: 'unavailable', ...(status ? { status } : {}) }));
    this.rooms.forget(state);
  }

  /** XEP-0410: resolves when `resource` is in the room as `nick`, else not-acceptable. */
  selfPing(user: UserJid, resource: string, room: string, nick: string): void {
    const state = this.rooms.get(user, room);
    if (!state?.joined || !state.resources.has(resource) || state.nick !== nick)
      throw new StanzaError('not-acceptable', 'You are not an occupant of this room.');
  }

  /** Whether the core keeps this room of the user (the bridge reports it through ctx.rooms). */
  has(user: UserJid, room: string): boolean {
    return this.rooms.get(user, room) !== undefined;
  }

  /** muc#roominfo of a room the user's network side is in. */
  info(user: UserJid, room: string): RoomInfo | undefined {
    const state = this.rooms.get(user, room);
    return state?.joined ? { occupants: state.occupants, subject: state.subject } : undefined;
  }

  /** The rooms stored at the last run (a restart): held as not joined until the bridge rejoins them. */
  restore(): StoredRoom[] {
    return this.rooms.restore();
  }

  /**
   * Stop for good (`switchboard stop --final`): the 110 + 332 self-presence for every resource of
   * every room, returned for the caller to send at once (the outbox is stopping); nothing is kept,
   * so the next start rejoins nothing.
   */
  endAll(status: string): Inbound[] {
    const out: Inbound[] = [];
    for (const state of this.rooms.all()) {
      for (const resource of state.resources) out.push(endedPresence({ user: state.user, room: state.room, resource }, state.nick, status));
      this.rooms.forget(state);
    }
    return out;
  }

  private live(user: UserJid, room: string): RoomState | undefined {
    const state = this.rooms.get(user, room);
    return state?.joined ? state : undefined;
  }

  private fanOut(user: UserJid, state: RoomState, build: (t: MucTarget) => Inbound | Inbound[]): void {
    for (const resource of state.resources) {
      const out = build({ user, room: state.room, resource });
      for (const e of Array.isArray(out) ? out : [out]) this.deps.deliver(e);
    }
  }
}
