/**
 * PAN (primary account number) validation and the only two parts of a PAN that may be shown outside an
 * explicit reveal: the BIN and the last four (PCI DSS 3.4.1).
 */
import { detectBrand, type CardBrand } from './brand.js';
import { isLuhnValid } from './luhn.js';

// ASCII only on purpose: `\d` with the `u` flag, or Number(), would accept other scripts' digits or spaces.
const PAN_FORMAT = /^[0-9]{12,19}$/;

export type PanValidation = { ok: true; brand: CardBrand | undefined } | { ok: false; reason: 'format' | 'luhn' };

/** True when `value` has the shape of a PAN (12–19 ASCII digits); says nothing about Luhn. */
export function isPanFormat(value: string): boolean {
  return PAN_FORMAT.test(value);
}

/**
 * Checks format (12–19 ASCII digits) then Luhn. A valid PAN with an unknown prefix is accepted with
 * `brand: undefined`: brand ranges change faster than this table, and the caller may name the brand (e.g. CB).
 */
export function validatePan(pan: string): PanValidation {
  if (!PAN_FORMAT.test(pan)) return { ok: false, reason: 'format' };
  if (!isLuhnValid(pan)) return { ok: false, reason: 'luhn' };
  return { ok: true, brand: detectBrand(pan) };
}

function assertPanFormat(pan: string, fn: string): void {
  if (!PAN_FORMAT.test(pan)) {
    // Never echo the value: it may be a PAN with a stray character.
    throw new TypeError(`${fn}: expected a PAN of 12-19 ASCII digits`);
  }
}

/**
 * The BIN to display and look up: first 8 digits for PANs of 16+ digits (the 8-digit BIN standard, which
 * PCI DSS 3.4.1 allows to be shown), else first 6, so a short PAN never shows more than it hides.
 */
export function panBin(pan: string): string {
  assertPanFormat(pan, 'panBin');
  return pan.slice(0, pan.length >= 16 ? 8 : 6);
}

export function panLastFour(pan: string): string {
  assertPanFormat(pan, 'panLastFour');
  return pan.slice(-4);
}
