/**
 * Phone-number addressing: `+E164@sms.example.org` (as Cheogram/JMP and sms-over-xmpp).
 * Numbers typed in national form are normalised with libphonenumber-js and the configured
 * default country. We accept any *possible* number (right length for its country) rather than
 * only *valid* ones: fictional ranges such as 555 or the UK's 07700 900xxx fail the validity
 * tables but are real test numbers, and Twilio has the last word anyway (error 21211).
 * Short codes (3–6 digits, e.g. `72345`) are contacts too: they send and receive texts.
 */
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import type { ResolvedAddress } from '../../src/core/bridge.js';
import { StanzaError } from '../../src/core/errors.js';

const SHORT_CODE = /^[0-9]{3,6}$/;
/** ITU-T E.164: + and at most 15 digits, no leading zero. */
const E164 = /^\+[1-9][0-9]{6,14}$/;

/** Normalise a typed or received phone number to E.164 (or a short code); undefined if invalid. */
export function normalizeNumber(typed: string, defaultCountry: CountryCode): string | undefined {
  const trimmed = typed.trim();
  if (SHORT_CODE.test(trimmed)) return trimmed;
  if (!/^[+0-9 ().\-/]+$/.test(trimmed) || !/[0-9]/.test(trimmed)) return undefined;
  const parsed = parsePhoneNumberFromString(trimmed, defaultCountry);
  if (!parsed || !parsed.isPossible()) return undefined;
  return parsed.number;
}

/** Map a local part of the SMS domain to what it denotes (Bridge.resolve). */
export function resolvePhoneLocalpart(localpart: string, defaultCountry: CountryCode): ResolvedAddress {
  if (localpart === '') return { kind: 'service', localpart: '', name: 'SMS' };
  const number = normalizeNumber(localpart, defaultCountry);
  if (number === undefined) {
    throw new StanzaError(
      'jid-malformed',
      `${Array.from(localpart).length > 40 ? `"${Array.from(localpart).slice(0, 40).join('')}…"` : `"${localpart}"`} is not a phone number: write to +<country code><number>@ this domain, e.g. +15551234567.`,
    );
  }
  return { kind: 'contact', localpart: number, name: number };
}

/**
 * A network address (Twilio `From`) to its local part. Numbers come in E.164 already; an
 * alphanumeric sender id ("ACME") stays as it is (it cannot be replied to, which Twilio enforces).
 */
export function phoneToLocalpart(address: string, defaultCountry: CountryCode): string {
  // Twilio sends E.164 already; re-parsing it (country detection for +1 walks every NANP
  // country's patterns) was the largest cost of the webhook path.
  if (E164.test(address)) return address;
  return normalizeNumber(address, defaultCountry) ?? address.trim();
}
