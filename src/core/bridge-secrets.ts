/**
 * `ctx.secrets` (bridge-services.ts BridgeSecrets): a bridge's per-user secrets sealed with the
 * gateway's key (secrets.ts), bound to the bridge, the kv entry and the field they are kept in.
 */
import type { BridgeSecrets } from './bridge-services.js';
import { StanzaError } from './errors.js';
import { isSealed, open, seal, secretPlace } from './secrets.js';

export const NO_KEY_REASON =
  'this gateway stores no passwords in the clear and its operator configured no key to encrypt them (secrets.key_file or secrets.key)';

export function createBridgeSecrets(bridge: string, key: Buffer | undefined): BridgeSecrets {
  return {
    unavailable: key ? undefined : NO_KEY_REASON,
    seal(plain, kvKey, field) {
      if (!key) throw new StanzaError('not-allowed', `Not saved: ${NO_KEY_REASON}.`);
      return seal(key, plain, secretPlace(bridge, kvKey, field));
    },
    open(stored, kvKey, field) {
      if (!isSealed(stored)) return stored;
      if (!key) throw new StanzaError('internal-server-error', `A stored secret is encrypted, but ${NO_KEY_REASON}.`);
      return open(key, stored, secretPlace(bridge, kvKey, field));
    },
    isSealed,
  };
}
