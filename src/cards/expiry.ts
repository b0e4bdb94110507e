/**
 * Card expiry rules. A card printed "MM/YY" is valid through the last day of that month; we use UTC so that the
 * answer does not depend on the server's time zone.
 */

export type ExpiryCheck = 'ok' | 'invalid' | 'expired';

/**
 * 2-digit years (0–99) become 2000+year; any other value is returned unchanged. Range checks belong to
 * `checkExpiry` / `isValidExpiryYear`, so this stays a pure spelling normalisation.
 */
export function normalizeExpiryYear(year: number): number {
  return Number.isInteger(year) && year >= 0 && year <= 99 ? 2000 + year : year;
}

export function isValidExpiryMonth(month: number): boolean {
  return Number.isInteger(month) && month >= 1 && month <= 12;
}

/** 2-digit (0–99) or 4-digit 2000–2099: anything else cannot be printed on a card issued today. */
export function isValidExpiryYear(year: number): boolean {
  return Number.isInteger(year) && ((year >= 0 && year <= 99) || (year >= 2000 && year <= 2099));
}

/** The last millisecond (UTC) at which a card expiring `month`/`year` is still valid. */
export function endOfExpiryMonth(month: number, year: number): Date {
  if (!isValidExpiryMonth(month) || !isValidExpiryYear(year)) {
    throw new RangeError('endOfExpiryMonth: month must be 1-12 and year 0-99 or 2000-2099');
  }
  // Date.UTC's month is 0-based, so `month` is already the following month; day 1 minus 1 ms is the end of ours.
  return new Date(Date.UTC(normalizeExpiryYear(year), month, 1) - 1);
}

export function checkExpiry(month: number, year: number, now: Date): ExpiryCheck {
  if (!isValidExpiryMonth(month) || !isValidExpiryYear(year)) return 'invalid';
  const t = now.getTime();
  // An Invalid Date compares false with everything and would silently read as "ok".
  if (Number.isNaN(t)) throw new RangeError('checkExpiry: now is an invalid Date');
  return t > endOfExpiryMonth(month, year).getTime() ? 'expired' : 'ok';
}
