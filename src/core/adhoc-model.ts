/**
 * Ad-hoc commands (XEP-0050) and data forms (XEP-0004) as plain data, so that bridges can offer
 * commands without seeing XML. `src/xmpp/adhoc.ts` turns these into stanzas.
 */
import type { UserJid } from './model.js';

export type FieldType =
  | 'boolean'
  | 'fixed'
  | 'hidden'
  | 'jid-single'
  | 'jid-multi'
  | 'list-single'
  | 'list-multi'
  | 'text-multi'
  | 'text-private'
  | 'text-single';

export interface FormField {
  var: string;
  type: FieldType;
  label?: string;
  desc?: string;
  required?: boolean;
  /** Current values. Never put a stored secret here: text-private fields are shown empty. */
  values?: string[];
  options?: Array<{ label?: string; value: string }>;
}

export interface Form {
  title?: string;
  instructions?: string;
  fields: FormField[];
}

/** One call of a command: the first `execute`, then each submitted step. */
export interface AdhocRequest {
  user: UserJid;
  /** The requesting full JID. */
  from: string;
  /** Local part of the JID the command runs on ('' = the domain). */
  localpart: string;
  action: 'execute' | 'next' | 'complete' | 'prev' | 'cancel';
  /** Submitted field values (absent on the first call). */
  values?: Record<string, string[]>;
  /** Whatever the command returned as `state` on the previous step. */
  state?: unknown;
}

export type AdhocResponse =
  | { status: 'executing'; form: Form; state?: unknown; actions?: Array<'next' | 'prev' | 'complete'> }
  | { status: 'completed'; note?: { type: 'info' | 'warn' | 'error'; text: string }; form?: Form }
  | { status: 'canceled' };

export interface AdhocCommand {
  node: string;
  name: string;
  /** Only admins may list and run it (others get `forbidden`). */
  admin?: boolean;
  /** On which local parts of the domain it is offered ('' = the domain itself). */
  appliesTo(localpart: string): boolean;
  /**
   * Run one step. Throw StanzaError('bad-request') for an incomplete or invalid submission.
   */
  run(request: AdhocRequest): Promise<AdhocResponse>;
}

/** Read a single submitted value. */
export function fieldValue(values: Record<string, string[]> | undefined, name: string): string | undefined {
  return values?.[name]?.[0];
}
