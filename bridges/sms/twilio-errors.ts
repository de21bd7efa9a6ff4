/**
 * Twilio error codes the gateway meets, with a readable meaning and the RFC 6120 §8.3.3
 * condition shown to the XMPP user. Source: https://www.twilio.com/docs/api/errors
 * (REST 21xxx when creating a message, 30xxx in status callbacks as `ErrorCode`).
 */
import type { ErrorCondition } from '../../src/core/model.js';

export interface TwilioErrorInfo {
  condition: ErrorCondition;
  meaning: string;
}

const TABLE: Record<number, TwilioErrorInfo> = {
  20003: { condition: 'service-unavailable', meaning: "the gateway's Twilio credentials were rejected; tell the operator" },
  20404: { condition: 'service-unavailable', meaning: 'the Twilio account or resource does not exist; tell the operator' },
  21211: { condition: 'item-not-found', meaning: "invalid 'To' phone number" },
  21212: { condition: 'service-unavailable', meaning: "your assigned 'From' number is invalid; tell the operator" },
  21408: { condition: 'not-allowed', meaning: 'sending to this region is not enabled on the Twilio account' },
  21602: { condition: 'bad-request', meaning: 'the message needs a body or media' },
  21606: { condition: 'service-unavailable', meaning: "your assigned 'From' number cannot send SMS to this destination" },
  21608: { condition: 'not-allowed', meaning: 'a trial account can only send to verified numbers' },
  21610: { condition: 'forbidden', meaning: 'the recipient has unsubscribed (replied STOP); they must text START to receive messages again' },
  21612: { condition: 'not-allowed', meaning: 'Twilio cannot route a message from your number to this number' },
  21614: { condition: 'not-acceptable', meaning: "'To' is not a mobile number (it cannot receive SMS)" },
  21617: { condition: 'not-acceptable', meaning: 'the body exceeds 1,600 characters' },
  21620: { condition: 'bad-request', meaning: 'the media URL is invalid or not reachable by Twilio' },
  21623: { condition: 'not-acceptable', meaning: 'too many media attachments' },
  21635: { condition: 'not-acceptable', meaning: "'To' cannot be reached by MMS" },
  30001: { condition: 'remote-server-timeout', meaning: 'queue overflow: the account sent too fast' },
  30002: { condition: 'service-unavailable', meaning: 'the Twilio account is suspended; tell the operator' },
  30003: { condition: 'recipient-unavailable', meaning: 'unreachable destination handset (off or out of coverage)' },
  30004: { condition: 'forbidden', meaning: 'message blocked (the recipient or the carrier blocks it)' },
  30005: { condition: 'item-not-found', meaning: 'unknown destination handset (the number does not exist)' },
  30006: { condition: 'not-acceptable', meaning: 'landline or unreachable carrier' },
  30007: { condition: 'policy-violation', meaning: 'the carrier filtered the message as spam' },
  30008: { condition: 'undefined-condition', meaning: 'unknown error from the carrier' },
  30034: { condition: 'policy-violation', meaning: 'the sending number is not registered for A2P 10DLC' },
};

/** The meaning and condition of a Twilio error code; unknown codes get a generic text. */
export function twilioError(code: number | undefined, fallbackCondition: ErrorCondition): TwilioErrorInfo {
  if (code !== undefined && TABLE[code]) return TABLE[code];
  return { condition: fallbackCondition, meaning: code !== undefined ? 'see https://www.twilio.com/docs/api/errors/' + code : 'no error code given' };
}

/** The text shown to the user: "Twilio error 21610: the recipient has unsubscribed …". */
export function twilioErrorText(code: number | undefined, meaning: string): string {
  return code !== undefined ? `Twilio error ${code}: ${meaning}` : `Twilio error: ${meaning}`;
}
