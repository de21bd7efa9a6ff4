/**
 * The secrets in a user's network settings (settings.ts): the SASL password, and the after-connect
 * commands (where NickServ IDENTIFY passwords go). With the gateway's key they are stored sealed
 * (ctx.secrets, AES-256-GCM; the commands as one sealed JSON list); without one, a SASL password
 * or a command that carries a password is refused with the reason, and the operator is told at
 * start. Rows stored in the clear before a key was configured are sealed at start.
 */
import type { BridgeSecrets, KeyValueStore } from '../../src/core/bridge.js';
import { StanzaError } from '../../src/core/errors.js';
import type { Logger } from 'pino';
import { IrcConnectError } from './client/connect-errors.js';
import type { UserJid } from '../../src/core/model.js';

export const SETTINGS_PREFIX = 'settings:';

export interface UserNetworkSettings {
  nick?: string;
  username?: string;
  realname?: string;
  saslPassword?: string;
  /** Raw IRC lines sent after the network's own after_connect commands (`{nick}` = the nick). */
  afterConnect?: string[];
}

export function settingsKey(user: UserJid, network: string): string {
  return `${SETTINGS_PREFIX}${user}:${network}`;
}

export function readStoredSettings(kv: KeyValueStore, user: UserJid, network: string): StoredNetworkSettings {
  return kv.get<StoredNetworkSettings>(settingsKey(user, network)) ?? {};
}

/** The user's settings for a connection, secrets opened (openSettings). */
export function userSettings(kv: KeyValueStore, secrets: BridgeSecrets, log: Logger, user: UserJid, network: string): UserNetworkSettings {
  const key = settingsKey(user, network);
  return openSettings(secrets, key, kv.get<StoredNetworkSettings>(key) ?? {}, log, { user, network });
}

/** The after-connect commands to show in the form: empty when they cannot be opened. */
export function shownAfterConnect(secrets: BridgeSecrets, kvKey: string, stored: StoredNetworkSettings): string[] {
  const v = stored.afterConnect;
  if (v === undefined || Array.isArray(v)) return v ?? [];
  try {
    return JSON.parse(secrets.open(v, kvKey, 'afterConnect')) as string[];
  } catch {
    return [];
  }
}

/** A settings entry as stored: secrets sealed (or in the clear from before there was a key). */
export interface StoredNetworkSettings extends Omit<UserNetworkSettings, 'afterConnect'> {
  /** A list in the clear, or the list as sealed JSON. */
  afterConnect?: string[] | string;
}

/** Commands that log in or identify carry a password (NickServ IDENTIFY, PASS, OPER, Q's AUTH…). */
const CARRIES_PASSWORD = /\b(IDENTIFY|LOGIN|AUTH|PASS|OPER|REGAIN|GHOST|RECOVER|REGISTER)\b/i;

/** The stored form of settings the user submitted (`afterConnect` plain); throws not-allowed without a key. */
export function sealSettings(secrets: BridgeSecrets, kvKey: string, next: UserNetworkSettings, kept: StoredNetworkSettings): StoredNetworkSettings {
  const { afterConnect, saslPassword, ...rest } = next;
  const stored: StoredNetworkSettings = { ...rest };
  if (saslPassword !== undefined) {
    // The password the user kept is stored again as it was (sealed, or a row from before the key).
    stored.saslPassword = saslPassword === kept.saslPassword ? saslPassword : secrets.seal(saslPassword, kvKey, 'saslPassword');
  }
  if (afterConnect && afterConnect.length > 0) {
    if (!secrets.unavailable) stored.afterConnect = secrets.seal(JSON.stringify(afterConnect), kvKey, 'afterConnect');
    else {
      const secret = afterConnect.find((l) => CARRIES_PASSWORD.test(l));
      if (secret !== undefined) throw new StanzaError('not-allowed', `Not saved: "${secret.split(' ')[0]} …" carries a password, and ${secrets.unavailable}.`);
      stored.afterConnect = afterConnect;
    }
  }
  return stored;
}

function openAfterConnect(secrets: BridgeSecrets, kvKey: string, stored: string[] | string): string[] {
  return typeof stored === 'string' ? (JSON.parse(secrets.open(stored, kvKey, 'afterConnect')) as string[]) : stored;
}

/**
 * Settings with their secrets opened, for a connection. A secret that does not open (another key,
 * a changed row) fails the connection before a byte goes to IRC: the user is told, the operator
 * gets the reason in the log.
 */
export function openSettings(
  secrets: BridgeSecrets,
  kvKey: string,
  stored: StoredNetworkSettings,
  log: Logger,
  who: Record<string, string>,
): UserNetworkSettings {
  const { afterConnect, saslPassword, ...rest } = stored;
  try {
    return {
      ...rest,
      ...(saslPassword !== undefined ? { saslPassword: secrets.open(saslPassword, kvKey, 'saslPassword') } : {}),
      ...(afterConnect !== undefined ? { afterConnect: openAfterConnect(secrets, kvKey, afterConnect) } : {}),
    };
  } catch (err) {
    log.error({ event: 'secret_open_failed', ...who, reason: (err as Error).message }, `a user's stored IRC secret cannot be opened: ${(err as Error).message}`);
    throw new IrcConnectError(
      'not-authorized',
      'Your stored IRC password cannot be decrypted by this gateway (its key changed or the stored value was damaged), so nothing was sent to the IRC server. Set the password again with the configure command of the network, or ask the operator.',
    );
  }
}

/** Seal secrets stored in the clear (a key was configured since); without a key, tell the operator what is stored. */
export function sealStoredSecrets(kv: KeyValueStore, secrets: BridgeSecrets, log: Logger): void {
  let sealed = 0;
  let plain = 0;
  let unreadable = 0;
  for (const { key, value } of kv.list<StoredNetworkSettings>(SETTINGS_PREFIX)) {
    const next = { ...value };
    for (const field of ['saslPassword', 'afterConnect'] as const) {
      const v = value[field];
      if (v === undefined) continue;
      if (secrets.isSealed(v)) {
        if (secrets.unavailable) unreadable++;
        continue;
      }
      if (secrets.unavailable) {
        plain++;
        continue;
      }
      if (typeof v === 'string') next.saslPassword = secrets.seal(v, key, field);
      else next.afterConnect = secrets.seal(JSON.stringify(v), key, field);
      sealed++;
    }
    if (next.saslPassword !== value.saslPassword || next.afterConnect !== value.afterConnect) kv.set(key, next);
  }
  if (sealed > 0) log.info({ event: 'secrets_sealed', count: sealed }, `sealed ${sealed} user secrets that were stored in the clear`);
  if (!secrets.unavailable) return;
  log.warn({ event: 'secrets_no_key' }, `users cannot store SASL passwords or after-connect commands with passwords: ${secrets.unavailable}`);
  if (plain > 0) log.warn({ event: 'secrets_in_clear', count: plain }, `${plain} user secrets are stored in the clear; configure secrets.key_file (or secrets.key) and restart to seal them`);
  if (unreadable > 0) log.error({ event: 'secrets_unreadable', count: unreadable }, `${unreadable} user secrets are sealed but no key is configured: those users cannot connect until the key is configured again`);
}
