/**
 * Per-user, per-channel settings (persistent, record_history, max_history_length) in the bridge's
 * key/value store, edited through the XEP-0045 §10.2 muc#owner form as biboumi does. A persistent
 * channel also remembers the nick and room local part needed to rejoin it at gateway start.
 */
import type { KeyValueStore } from '../../src/core/bridge.js';
import type { Form } from '../../src/core/adhoc-model.js';
import type { UserJid } from '../../src/core/model.js';
import type { IrcConfig } from './config.js';
import { formBoolean, formCount, readUserDefaults } from './user-defaults.js';

export interface ChannelSettings {
  persistent?: boolean;
  record_history?: boolean;
  max_history_length?: number;
  /** For the rejoin at start: the room's local part and the nick last used. */
  localpart?: string;
  nick?: string;
}

export interface EffectiveChannelSettings {
  persistent: boolean;
  recordHistory: boolean;
  maxHistoryLength: number;
}

const PREFIX = 'chan:';

export function channelKey(user: UserJid, network: string, channel: string): string {
  return `${PREFIX}${user}\n${network}\n${channel.toLowerCase()}`;
}

export class ChannelSettingsStore {
  /** Read on every channel message (archiving): cached, and replaced on each update. */
  private readonly cache = new Map<string, EffectiveChannelSettings>();

  constructor(
    private readonly kv: KeyValueStore,
    private readonly config: IrcConfig,
  ) {}

  raw(user: UserJid, network: string, channel: string): ChannelSettings {
    return this.kv.get<ChannelSettings>(channelKey(user, network, channel)) ?? {};
  }

  effective(user: UserJid, network: string, channel: string): EffectiveChannelSettings {
    const key = channelKey(user, network, channel);
    const cached = this.cache.get(key);
    if (cached) return cached;
    const s = this.raw(user, network, channel);
    const mine = readUserDefaults(this.kv, user);
    const out = {
      persistent: s.persistent ?? mine.persistent ?? this.config.persistent_channels,
      recordHistory: s.record_history ?? mine.record_history ?? this.config.record_history,
      maxHistoryLength: s.max_history_length ?? mine.max_history_length ?? this.config.max_history_length,
    };
    this.cache.set(key, out);
    return out;
  }

  /** A user's global defaults changed: every cached effective setting may be stale. */
  forgetCache(): void {
    this.cache.clear();
  }

  update(user: UserJid, network: string, channel: string, patch: ChannelSettings): void {
    const key = channelKey(user, network, channel);
    this.kv.set(key, { ...this.raw(user, network, channel), ...patch });
    this.cache.delete(key);
  }

  /** Channels to rejoin at start: explicitly persistent ones (and, with the operator default on, every remembered one). */
  persistentChannels(): Array<{ user: UserJid; network: string; channel: string; localpart: string; nick?: string }> {
    const out = [];
    for (const { key, value } of this.kv.list<ChannelSettings>(PREFIX)) {
      const [user, network, channel] = key.slice(PREFIX.length).split('\n');
      if (!user || !network || !channel || !value.localpart) continue;
      if (!(value.persistent ?? readUserDefaults(this.kv, user).persistent ?? this.config.persistent_channels)) continue;
      out.push({ user, network, channel, localpart: value.localpart, ...(value.nick ? { nick: value.nick } : {}) });
    }
    return out;
  }

  /** The muc#owner form (XEP-0045 §10.2; field names as biboumi's). */
  form(user: UserJid, network: string, channel: string): Form {
    const s = this.effective(user, network, channel);
    return {
      title: `Configure ${channel} on ${network}`,
      instructions: 'These settings are yours only: IRC channels have no shared configuration here.',
      fields: [
        { var: 'FORM_TYPE', type: 'hidden', values: ['http://jabber.org/protocol/muc#roomconfig'] },
        { var: 'persistent', type: 'boolean', label: 'Persistent: stay in the channel when all your clients left', values: [s.persistent ? '1' : '0'] },
        { var: 'record_history', type: 'boolean', label: 'Record the channel history (join history and archive)', values: [s.recordHistory ? '1' : '0'] },
        { var: 'max_history_length', type: 'text-single', label: 'Messages of history sent on join', values: [String(s.maxHistoryLength)] },
      ],
    };
  }

  /** Apply a submitted form; returns the new effective settings. */
  submit(user: UserJid, network: string, channel: string, values: Record<string, string[]>): EffectiveChannelSettings {
    const patch: ChannelSettings = {};
    const persistent = formBoolean(values, 'persistent');
    const record = formBoolean(values, 'record_history');
    const max = formCount(values, 'max_history_length', this.config.archive_max_messages);
    if (persistent !== undefined) patch.persistent = persistent;
    if (record !== undefined) patch.record_history = record;
    if (max !== undefined) patch.max_history_length = max;
    this.update(user, network, channel, patch);
    return this.effective(user, network, channel);
  }
}
