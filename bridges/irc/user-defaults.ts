/**
 * A user's own defaults for every channel (biboumi's global `configure` on the gateway JID:
 * "Configure some global default settings."): persistent, record_history, max_history_length.
 * A channel's own setting (muc#owner form) wins over these, and these over the operator's config.
 */
import type { KeyValueStore } from '../../src/core/bridge.js';
import { StanzaError } from '../../src/core/errors.js';
import type { AdhocCommand, AdhocRequest, AdhocResponse } from '../../src/core/adhoc-model.js';
import type { UserJid } from '../../src/core/model.js';
import type { IrcConfig } from './config.js';

export interface UserDefaults {
  persistent?: boolean;
  record_history?: boolean;
  max_history_length?: number;
}

export function userDefaultsKey(user: UserJid): string {
  return `defaults:${user}`;
}

export function readUserDefaults(kv: KeyValueStore, user: UserJid): UserDefaults {
  return kv.get<UserDefaults>(userDefaultsKey(user)) ?? {};
}

/** A XEP-0004 boolean, or undefined when the field was not sent. */
export function formBoolean(values: Record<string, string[]>, name: string): boolean | undefined {
  const v = values[name]?.[0];
  if (v === undefined) return undefined;
  if (v === '1' || v === 'true') return true;
  if (v === '0' || v === 'false') return false;
  throw new StanzaError('bad-request', `${name} must be a boolean (XEP-0004).`);
}

/** A whole number within [0, max], or undefined when empty or not sent. */
export function formCount(values: Record<string, string[]>, name: string, max: number): number | undefined {
  const v = values[name]?.[0]?.trim();
  if (v === undefined || v === '') return undefined;
  if (!/^\d+$/.test(v)) throw new StanzaError('bad-request', `${name} must be a whole number.`);
  return Math.min(Number(v), max);
}

/** `configure` on the gateway JID; `onChange` drops cached effective channel settings. */
export function globalConfigureCommand(kv: KeyValueStore, config: IrcConfig, onChange: () => void): AdhocCommand {
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
              { var: 'max_history_length', type: 'text-single', label: 'Messages of history sent on join', values: [String(current.max_history_length ?? config.max_history_length)] },
              { var: 'record_history', type: 'boolean', label: 'Record the history of channels', values: [(current.record_history ?? config.record_history) ? '1' : '0'] },
              { var: 'persistent', type: 'boolean', label: 'Stay in channels when all your clients left', values: [(current.persistent ?? config.persistent_channels) ? '1' : '0'] },
            ],
          },
        };
      }
      const next: UserDefaults = { ...current };
      const record = formBoolean(req.values, 'record_history');
      const persistent = formBoolean(req.values, 'persistent');
      const max = formCount(req.values, 'max_history_length', config.archive_max_messages);
      if (record !== undefined) next.record_history = record;
      if (persistent !== undefined) next.persistent = persistent;
      if (max !== undefined) next.max_history_length = max;
      kv.set(userDefaultsKey(req.user), next);
      onChange();
      return { status: 'completed', note: { type: 'info', text: 'Configuration successfully applied.' } };
    },
  };
}
