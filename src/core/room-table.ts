/**
 * The core's room state (design.md §4a): per (user, room) the joined resources, the user's own
 * nick, role and affiliation, and what room disco#info shows; kept in memory and, for what a
 * restart needs (nick and resources), in the bridge's `core:rooms:<bridge>` key/value namespace.
 */
import type { KeyValueStore } from './bridge-services.js';
import type { UserJid } from './model.js';
import type { Occupant, StoredRoom } from './room-types.js';

export interface RoomState {
  user: UserJid;
  /** The room's local part as the user addressed it (replies come from it). */
  room: string;
  nick: string;
  role: Occupant['role'];
  affiliation: Occupant['affiliation'];
  resources: Set<string>;
  /** The network side is joined (false between `lost` and the rejoin, and after a restart). */
  joined: boolean;
  subject: string;
  /** Occupants the network reported, the user included (room disco#info). */
  occupants: number;
}

/** Rooms compare by the user and the room's local part, lower-cased. */
const key = (user: UserJid, room: string): string => `${user}\n${room.toLowerCase()}`;

export class RoomTable {
  private readonly rooms = new Map<string, RoomState>();

  constructor(private readonly kv: KeyValueStore) {}

  get(user: UserJid, room: string): RoomState | undefined {
    return this.rooms.get(key(user, room));
  }

  /** A room the user joins: kept in memory until `persist`. */
  add(state: RoomState): RoomState {
    this.rooms.set(key(state.user, state.room), state);
    return state;
  }

  all(): RoomState[] {
    return [...this.rooms.values()];
  }

  /** Store what a restart needs (nick, resources). */
  persist(state: RoomState): void {
    const stored: StoredRoom = { user: state.user, room: state.room, nick: state.nick, resources: [...state.resources] };
    this.kv.set(key(state.user, state.room), stored);
  }

  forget(state: RoomState): void {
    this.rooms.delete(key(state.user, state.room));
    this.kv.delete(key(state.user, state.room));
  }

  /** The rooms stored at the last run, held as not joined until the bridge rejoins them. */
  restore(): StoredRoom[] {
    const out: StoredRoom[] = [];
    for (const { value } of this.kv.list<StoredRoom>('')) {
      if (!value.resources.length) continue;
      this.add({ user: value.user, room: value.room, nick: value.nick, role: 'participant', affiliation: 'none', resources: new Set(value.resources), joined: false, subject: '', occupants: 1 });
      out.push(value);
    }
    return out;
  }
}
