/**
 * SMS segment counting (GSM 03.38 / 3GPP TS 23.038), pure. A body that only uses the GSM 7-bit
 * default alphabet (plus its extension table, 2 septets each) is sent as GSM-7: 160 septets in one
 * SMS, 153 per part once concatenated (the 6-byte UDH takes 7 septets). Any other character forces
 * UCS-2 for the whole message: 70 UTF-16 code units in one SMS, 67 per part.
 * An extension character (escape + char) and a surrogate pair are never split across parts,
 * as carriers and Twilio count them (Twilio docs, "What the heck is a segment?").
 */

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SegmentInfo {
  encoding: SmsEncoding;
  segments: number;
  /** Septets (GSM-7) or UTF-16 code units (UCS-2) of the whole body. */
  units: number;
}

// GSM 03.38 default alphabet (without ESC 0x1B, which only introduces the extension table).
const GSM7_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
// GSM 03.38 extension table: each costs 2 septets.
const GSM7_EXTENSION = '\f^{}\\[~]|€';

const basic = new Set(GSM7_BASIC);
const extension = new Set(GSM7_EXTENSION);

/** Septets one code point costs in GSM-7, or undefined when it is not in the alphabet. */
function septets(ch: string): number | undefined {
  if (basic.has(ch)) return 1;
  if (extension.has(ch)) return 2;
  return undefined;
}

/** Greedy packing of units into parts of `perPart`, never splitting one character. */
function countParts(costs: number[], single: number, perPart: number): { units: number; segments: number } {
  const units = costs.reduce((a, b) => a + b, 0);
  if (units === 0) return { units, segments: 0 };
  if (units <= single) return { units, segments: 1 };
  let segments = 1;
  let used = 0;
  for (const cost of costs) {
    if (used + cost > perPart) {
      segments += 1;
      used = 0;
    }
    used += cost;
  }
  return { units, segments };
}

/** How a carrier will encode `body` and into how many segments. An empty body is 0 segments. */
export function countSegments(body: string): SegmentInfo {
  const chars = [...body];
  const gsm = chars.map(septets);
  if (gsm.every((c): c is number => c !== undefined)) {
    return { encoding: 'GSM-7', ...countParts(gsm, 160, 153) };
  }
  // UCS-2 (really UTF-16): a code point outside the BMP takes two code units.
  const utf16 = chars.map((c) => c.length);
  return { encoding: 'UCS-2', ...countParts(utf16, 70, 67) };
}

/** The characters of `body` that force UCS-2 (for the notice to the user), de-duplicated. */
export function nonGsmCharacters(body: string): string[] {
  return [...new Set([...body].filter((c) => septets(c) === undefined))];
}
