/**
 * The small vocabulary the core model is built from (model.ts re-exports it): XEP-0045 roles and
 * affiliations and the muc#user payload, delivery states, and RFC 6120 error conditions.
 */

/** XEP-0045 affiliation and role, used by MUC-capable bridges. */
export type Affiliation = 'owner' | 'admin' | 'member' | 'outcast' | 'none';
export type Role = 'moderator' | 'participant' | 'visitor' | 'none';

/** Delivery state reported back by a network (Twilio status callbacks, SMTP DSN, IRC echo). */
export type ReceiptState = 'sent' | 'delivered' | 'failed';

/** RFC 6120 §8.3.3 stanza error conditions that the gateway uses. */
export type ErrorCondition =
  | 'bad-request'
  | 'conflict'
  | 'feature-not-implemented'
  | 'forbidden'
  | 'gone'
  | 'internal-server-error'
  | 'item-not-found'
  | 'jid-malformed'
  | 'not-acceptable'
  | 'not-allowed'
  | 'not-authorized'
  | 'policy-violation'
  | 'recipient-unavailable'
  | 'redirect'
  | 'registration-required'
  | 'remote-server-not-found'
  | 'remote-server-timeout'
  | 'resource-constraint'
  | 'service-unavailable'
  | 'subscription-required'
  | 'undefined-condition'
  | 'unexpected-request';

export type ErrorType = 'auth' | 'cancel' | 'continue' | 'modify' | 'wait';

/** XEP-0045 muc#user payload of an occupant presence. */
export interface MucUser {
  affiliation: Affiliation;
  role: Role;
  /** Real JID shown to occupants (non-anonymous rooms). */
  jid?: string;
  /** New nick on a nick change (with status 303). */
  nick?: string;
  /** Status codes: 110 self, 100 non-anonymous, 210 nick changed by service, 303, 307, 332… */
  codes: number[];
  actor?: string;
  reason?: string;
}
