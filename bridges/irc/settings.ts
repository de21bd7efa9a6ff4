/**
 * Per-user settings of a network (nick, username, realname, SASL password, after-connect
 * commands), kept in the bridge's key/value store and edited with the XEP-0050 `configure`
 * command on `network@domain`. The SASL password is never shown back (text-private fields are
 * sent empty) nor logged. After-connect commands are one IRC line each: CR, LF and NUL cannot
 * make more lines of one (RFC 2812 §2.3.1).
 */
import type { BridgeSecrets, KeyValueStore } from '../../src/core/bridge.js';
import { StanzaError } from '../../src/core/errors.js';
import { fieldValue, type AdhocCommand, type AdhocRequest, type AdhocResponse } from '../../src/core/adhoc-model.js';
import { isValidNick } from './address.js';
import { readStoredSettings, sealSettings, settingsKey, shownAfterConnect, type UserNetworkSettings } from './secret-settings.js';

export { settingsKey, userSettings, type UserNetworkSettings } from './secret-settings.js';

/** At most this many after-connect lines, each at most this long (a line is 512 bytes with CRLF). */
export const MAX_AFTER_CONNECT = 20;
const MAX_LINE = 400;

/** The lines of a text-multi field: each value may itself hold several lines. */
export function afterConnectLines(values: readonly string[] | undefined): string[] {
  const lines = (values ?? []).flatMap((v) => v.split(/[\r\n]+/)).map((l) => l.replace(/\0/g, '').trim()).filter(Boolean);
  if (lines.length > MAX_AFTER_CONNECT) throw new StanzaError('bad-request', `At most ${MAX_AFTER_CONNECT} after-connect commands.`);
  for (const l of lines) {
    if (Buffer.byteLength(l) > MAX_LINE) throw new StanzaError('bad-request', `An after-connect command is longer than ${MAX_LINE} bytes: ${l.slice(0, 40)}…`);
    // A raw IRC line starts with its command (RFC 2812 §2.3.1), not with a client's "/".
    if (!/^[A-Za-z]+(\s|$)/.test(l)) throw new StanzaError('bad-request', `"${l.slice(0, 40)}" is not a raw IRC command (e.g. PRIVMSG NickServ :IDENTIFY secret, without "/").`);
  }
  return lines;
}

/**
 * `configure` on a network JID; `networkOf` maps the local part to the configured network name.
 * Secrets are stored sealed (secret-settings.ts), or refused when the gateway has no key.
 */
export function configureCommand(kv: KeyValueStore, secrets: BridgeSecrets, networkOf: (localpart: string) => string | undefined): AdhocCommand {
  return {
    node: 'configure',
    name: 'Configure your IRC connection to this network',
    appliesTo: (localpart) => networkOf(localpart) !== undefined,
    async run(req: AdhocRequest): Promise<AdhocResponse> {
      const network = networkOf(req.localpart);
      if (network === undefined) throw new StanzaError('item-not-found', 'Not an IRC network.');
      if (req.action === 'cancel') return { status: 'canceled' };
      const key = settingsKey(req.user, network);
      const current = readStoredSettings(kv, req.user, network);
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
              { var: 'sasl_password', type: 'text-private', label: current.saslPassword ? 'SASL password (set; empty keeps it, "-" clears it)' : secrets.unavailable ? 'SASL password (cannot be stored: no encryption key)' : 'SASL password', values: [] },
              { var: 'after_connect_commands', type: 'text-multi', label: 'IRC commands sent after connecting, one per line ({nick} = your nick)', values: shownAfterConnect(secrets, key, current) },
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
      const afterConnect = afterConnectLines(req.values['after_connect_commands']);
      if (afterConnect.length > 0) next.afterConnect = afterConnect;
      kv.set(key, sealSettings(secrets, key, next, current));
      return { status: 'completed', note: { type: 'info', text: 'Configuration saved; it applies the next time your connection opens.' } };
    },
  };
}
