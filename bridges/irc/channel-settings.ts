/**
 * Per-user, per-channel persistence in the bridge's key/value store: whether the user's IRC
 * connection stays in a channel when all their clients left it (biboumi's `persistent`, a field
 * the bridge adds to the core's XEP-0045 §10.2 muc#owner form), and what is needed to rejoin it at
 * gateway start (the room local part and the nick last used). The history settings of the form
 * (record_history, max_history_length) are the core's (src/core/history-settings.ts).
 */
import type { KeyValueStore } from '../../src/core/bridge.js';
import type { FormField } from '../../src/core/adhoc-model.js';
import { formBoolean } from '../../src/core/form-values.js';
import type { UserJid } from '../../src/core/model.js';
import type { IrcConfig } from './config.js';
import { readUserDefaults } from './user-defaults.js';

export interface ChannelSettings {
  persistent?: boolean;
  /** For the rejoin at start: the room's local part and the nick last used. */
  localpart?: string;
  nick?: string;
}

export interface EffectiveChannelSettings {
  persistent: boolean;
}

const PREFIX = 'chan:';

export function channelKey(user: UserJid, network: string, channel: string): string {
  return `${PREFIX}${user}\n${network}\n${channel.toLowerCase()}`;
}

/** Read on a leave and a submit only (the history settings read on every message are the core's): not cached. */
export class ChannelSettingsStore {
  constructor(
    private readonly kv: KeyValueStore,
    private readonly config: IrcConfig,
  ) {}

  raw(user: UserJid, network: string, channel: string): ChannelSettings {
    return this.kv.get<ChannelSettings>(channelKey(user, network, channel)) ?? {};
  }

  /** The channel's own setting, else the user's default, else the operator's. */
  private persistent(user: UserJid, own: ChannelSettings): boolean {
    return own.persistent ?? readUserDefaults(this.kv, user).persistent ?? this.config.persistent_channels;
  }

  effective(user: UserJid, network: string, channel: string): EffectiveChannelSettings {
    return { persistent: this.persistent(user, this.raw(user, network, channel)) };
  }

  update(user: UserJid, network: string, channel: string, patch: ChannelSettings): void {
    const key = channelKey(user, network, channel);
    this.kv.set(key, { ...this.raw(user, network, channel), ...patch });
  }

  /** Channels to rejoin at start: explicitly persistent ones (and, with the operator default on, every remembered one). */
  persistentChannels(): Array<{ user: UserJid; network: string; channel: string; localpart: string; nick?: string }> {
    const out = [];
    for (const { key, value } of this.kv.list<ChannelSettings>(PREFIX)) {
      const [user, network, channel] = key.slice(PREFIX.length).split('\n');
      if (!user || !network || !channel || !value.localpart) continue;
      if (!this.persistent(user, value)) continue;
      out.push({ user, network, channel, localpart: value.localpart, ...(value.nick ? { nick: value.nick } : {}) });
    }
    return out;
  }

  /** The bridge's field of the room's muc#owner form (biboumi's name). */
  fields(user: UserJid, network: string, channel: string): FormField[] {
    const on = this.effective(user, network, channel).persistent;
    return [{ var: 'persistent', type: 'boolean', label: 'Persistent: stay in the channel when all your clients left', values: [on ? '1' : '0'] }];
  }

  /** Apply a submitted form's `persistent` (other fields are the core's); returns the new effective settings. */
  submit(user: UserJid, network: string, channel: string, values: Record<string, string[]>): EffectiveChannelSettings {
    const persistent = formBoolean(values, 'persistent');
    if (persistent !== undefined) this.update(user, network, channel, { persistent });
    return this.effective(user, network, channel);
  }
}
