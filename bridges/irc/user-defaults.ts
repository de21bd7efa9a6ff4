/**
 * A user's own defaults for every channel (biboumi's global `configure` on the gateway JID:
 * "Configure some global default settings."): max_history_length and record_history, which are
 * the core's history settings (`ctx.archive.settings`), and persistent, which is the bridge's.
 * A channel's own setting (muc#owner form) wins over these, and these over the operator's config.
 */
import type { BridgeHistorySettings, KeyValueStore } from '../../src/core/bridge.js';
import type { AdhocCommand, AdhocRequest, AdhocResponse } from '../../src/core/adhoc-model.js';
import { formBoolean } from '../../src/core/form-values.js';
import type { UserJid } from '../../src/core/model.js';
import type { IrcConfig } from './config.js';

export interface UserDefaults {
  persistent?: boolean;
}

export function userDefaultsKey(user: UserJid): string {
  return `defaults:${user}`;
}

export function readUserDefaults(kv: KeyValueStore, user: UserJid): UserDefaults {
  return kv.get<UserDefaults>(userDefaultsKey(user)) ?? {};
}

/** `configure` on the gateway JID. */
export function globalConfigureCommand(kv: KeyValueStore, history: BridgeHistorySettings, config: IrcConfig): AdhocCommand {
  return {
    node: 'configure',
    name: 'Configure some global default settings',
    appliesTo: (localpart) => localpart === '',
    async run(req: AdhocRequest): Promise<AdhocResponse> {
      if (req.action === 'cancel') return { status: 'canceled' };
      const current = readUserDefaults(kv, req.user);
      if (!req.values) {
        return {
          status: 'executing',
          actions: ['complete'],
          form: {
            title: 'Configure some global default settings.',
            instructions: 'Defaults for every channel; a channel’s own settings (its configuration form) win over them.',
            fields: [
              ...history.defaultFields(req.user),
              { var: 'persistent', type: 'boolean', label: 'Stay in channels when all your clients left', values: [(current.persistent ?? config.persistent_channels) ? '1' : '0'] },
            ],
          },
        };
      }
      // Every value is checked before anything is stored.
      const patch = history.parse(req.values);
      const persistent = formBoolean(req.values, 'persistent');
      if (persistent !== undefined) kv.set(userDefaultsKey(req.user), { ...current, persistent });
      history.setUserDefaults(req.user, patch);
      return { status: 'completed', note: { type: 'info', text: 'Configuration successfully applied.' } };
    },
  };
}
