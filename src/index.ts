/**
 * The public API for bridge authors: `import { StanzaError, type BridgeDefinition } from 'switchboard'`.
 * A bridge module named by `module:` in the config exports `bridge`, a BridgeDefinition.
 */
export type * from './core/bridge.js';
export type * from './core/model.js';
export type * from './core/adhoc-model.js';
export { fieldValue } from './core/adhoc-model.js';
export { RetryableError, StanzaError, isRetryable, isStanzaError } from './core/errors.js';
export { escapeLocal, unescapeLocal } from './xmpp/jid.js';
