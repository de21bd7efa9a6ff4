/**
 * Per-user settings of a network (nick, username, realname, SASL password), kept in the bridge's
 * key/value store and edited with the XEP-0050 `configure` command on `network@domain`.
 * The SASL password is never shown back (text-private fields are sent empty) nor logged.
 */
import type { KeyValueStore } from '../../src/core/bridge.js';
import { StanzaError } from '../../src/core/errors.js';
import { fieldValue, type AdhocCommand, type AdhocRequest, type AdhocResponse } from '../../src/core/adhoc-model.js';
import type { UserJid } from '../../src/core/model.js';
import { isValidNick } from './address.js';

export interface UserNetworkSettings {
  nick?: string;
  username?: string;
  realname?: string;
  saslPassword?: string;
}

export function settingsKey(user: UserJid, network: string): string {
  return `settings:${user}:${network}`;
}

export function readSettings(kv: KeyValueStore, user: UserJid, network: string): UserNetworkSettings {
  return kv.get<UserNetworkSettings>(settingsKey(user, network)) ?? {};
}

/** `configure` on a network JID; `networkOf` maps the local part to the configured network name. */
export function configureCommand(kv: KeyValueStore, networkOf: (localpart: string) => string | undefined): AdhocCommand {
  return {
    node: 'configure',
    name: 'Configure your IRC connection to this network',
    appliesTo: (localpart) => networkOf(localpart) !== undefined,
    async run(req: AdhocRequest): Promise<AdhocResponse> {
      const network = networkOf(req.localpart);
      if (network === undefined) throw new StanzaError('item-not-found', 'Not an IRC network.');
      if (req.action === 'cancel') return { status: 'canceled' };
      const current = readSettings(kv, req.user, network);
      if (!req.values) {
        return {
          status: 'executing',
          actions: ['complete'],
          form: {
            title: `Configure your connection to ${network}`,
            instructions: 'Used the next time the connection opens. Leave a field empty to use the default.',
            fields: [
              { var: 'nick', type: 'text-single', label: 'Nick', values: current.nick ? [current.nick] : [] },
              { var: 'username', type: 'text-single', label: 'User name', values: current.username ? [current.username] : [] },
              { var: 'realname', type: 'text-single', label: 'Real name', values: current.realname ? [current.realname] : [] },
              // Never echo a stored secret (adhoc-model.ts).
              { var: 'sasl_password', type: 'text-private', label: current.saslPassword ? 'SASL password (set; empty keeps it, "-" clears it)' : 'SASL password', values: [] },
            ],
          },
        };
      }
      const clean = (v: string | undefined) => (v === undefined ? undefined : v.replace(/[\r\n\0]/g, '').trim() || undefined);
      const nick = clean(fieldValue(req.values, 'nick'));
      if (nick !== undefined && !isValidNick(nick)) throw new StanzaError('bad-request', `"${nick}" is not a valid IRC nick.`);
      const pw = fieldValue(req.values, 'sasl_password');
      const next: UserNetworkSettings = {
        ...(nick ? { nick } : {}),
        ...(clean(fieldValue(req.values, 'username')) ? { username: clean(fieldValue(req.values, 'username'))! } : {}),
        ...(clean(fieldValue(req.values, 'realname')) ? { realname: clean(fieldValue(req.values, 'realname'))! } : {}),
      };
      const saslPassword = pw === '-' ? undefined : pw ? pw : current.saslPassword;
      if (saslPassword) next.saslPassword = saslPassword;
      kv.set(settingsKey(req.user, network), next);
      return { status: 'completed', note: { type: 'info', text: 'Configuration saved; it applies the next time your connection opens.' } };
    },
  };
}
