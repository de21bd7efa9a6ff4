/**
 * Reading the values of a submitted XEP-0004 form (`<x type='submit'/>`), as plain data: a wrong
 * value is the user's error (bad-request), never a crash.
 */
import { StanzaError } from './errors.js';

/** A XEP-0004 §3.3 boolean ('1'/'true', '0'/'false'), or undefined when the field was not sent. */
export function formBoolean(values: Record<string, string[]>, name: string): boolean | undefined {
  const v = values[name]?.[0];
  if (v === undefined) return undefined;
  if (v === '1' || v === 'true') return true;
  if (v === '0' || v === 'false') return false;
  throw new StanzaError('bad-request', `${name} must be a boolean (XEP-0004).`);
}

/** A whole number, capped at `max`, or undefined when empty or not sent. */
export function formCount(values: Record<string, string[]>, name: string, max: number): number | undefined {
  const v = values[name]?.[0]?.trim();
  if (v === undefined || v === '') return undefined;
  if (!/^\d+$/.test(v)) throw new StanzaError('bad-request', `${name} must be a whole number.`);
  return Math.min(Number(v), max);
}
