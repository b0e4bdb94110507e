/**
 * Token identifiers. Every token must be unguessable and must never pass for a PAN (DOMAIN.md section 2).
 */
import { createHmac, randomBytes, randomInt } from 'node:crypto';

/** 128 random bits as 32 hex characters: longer than any PAN, so it can never be mistaken for one. */
export function randomReuseToken(): string {
  return randomBytes(16).toString('hex');
}

/**
 * One-way analytics token: the same card gives the same token within one key (the merchant's fingerprint
 * key), and nothing leads back to the PAN.
 */
export function analyticsToken(key: Buffer, pan: string): string {
  return createHmac('sha256', key).update('analytics-token\0').update(pan).digest().subarray(0, 16).toString('hex');
}

/**
 * Third-party acquirer tokens (CHASE, TAVE) are format-preserving in the real world: first 6 and last 4 of the
 * PAN kept, same length, middle digits random, and the whole deliberately NOT Luhn-valid so that no system can
 * take it for a card number.
 */
export function formatPreservingToken(pan: string): string {
  // Only PANs: a 10-digit input has no middle to draw (the loop below would never end), a shorter one overlaps.
  if (!/^[0-9]{12,19}$/.test(pan)) throw new TypeError('formatPreservingToken: expected a PAN of 12-19 ASCII digits');
  const head = pan.slice(0, 6);
  const tail = pan.slice(-4);
  const middleLength = pan.length - 10;
  for (;;) {
    let middle = '';
    for (let i = 0; i < middleLength; i++) middle += String(randomInt(10));
    const candidate = head + middle + tail;
    if (candidate !== pan && !passesLuhn(candidate)) return candidate;
  }
}

/** Whether a format-preserving token can stand for this card number: same length, first six and last four. */
export function preservesFormatOf(token: string, pan: string): boolean {
  return token.length === pan.length && token.slice(0, 6) === pan.slice(0, 6) && token.slice(-4) === pan.slice(-4);
}

/**
 * Whether a string of ASCII digits (the caller has checked) passes the Luhn check. The vault's own few lines rather than an import of cards/luhn.ts
 * (the vault depends on nothing outside itself) or a check the caller passes in (the guarantee above, "never
 * Luhn-valid", would then rest on every caller passing the right one). test/vault/token-ids.test.ts checks that
 * it agrees with cards/luhn.ts.
 */
export function passesLuhn(digits: string): boolean {
  let sum = 0;
  for (let i = digits.length - 1, double = false; i >= 0; i--, double = !double) {
    let d = digits.charCodeAt(i) - 48;
    if (double) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}
