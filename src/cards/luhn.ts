/**
 * Luhn (mod 10) check used by every card network to catch typing errors in a PAN.
 * Pure functions over ASCII digit strings; anything else is rejected rather than coerced, because a
 * silently "cleaned" PAN (spaces, Unicode digits) would fingerprint differently from the stored one.
 */

const DIGITS = /^[0-9]+$/;

/** Sum of the Luhn-weighted digits; `doubleFirst` says whether the rightmost digit given is doubled. */
function luhnSum(digits: string, doubleFirst: boolean): number {
  let sum = 0;
  let double = doubleFirst;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum;
}

/** True when `digits` is a non-empty ASCII digit string whose Luhn sum is a multiple of 10. */
export function isLuhnValid(digits: string): boolean {
  if (!DIGITS.test(digits)) return false;
  return luhnSum(digits, false) % 10 === 0;
}

/**
 * The check digit that makes `payloadDigits + digit` Luhn-valid.
 * The payload's rightmost digit is doubled because the check digit will sit to its right.
 */
export function luhnCheckDigit(payloadDigits: string): string {
  if (!DIGITS.test(payloadDigits)) {
    // Do not echo the input: it may be most of a PAN.
    throw new TypeError('luhnCheckDigit: payload must be a non-empty string of ASCII digits');
  }
  return String((10 - (luhnSum(payloadDigits, true) % 10)) % 10);
}
