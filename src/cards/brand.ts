/**
 * Card brand detection from IIN (issuer identification number) prefixes, DOMAIN.md section 2.
 *
 * The ranges are data: each rule is an inclusive range of equal-length prefixes plus the PAN lengths the brand
 * issues. Rules are tried most specific (longest prefix) first and the first matching prefix decides the brand;
 * if the PAN's length is not one that brand issues, the answer is `undefined` rather than falling through to a
 * broader rule (a 12-digit "6011…" is a mistyped Discover card, not a Maestro card).
 *
 * Overlap choice: Discover also accepts UnionPay cards in 622126–622925 (and 624–626, 6282–6288), but those
 * cards are issued on UnionPay, and DOMAIN.md lists Discover only as 6011, 644–649, 65. So every `62…` PAN is
 * UPI here. Carte Bancaires (CB) has no range of its own: CB cards are co-badged Visa / Mastercard, so CB only
 * comes from a BIN table or from the caller.
 */

/** Brand names exactly as the Verifone contract's `card_brand` lists them. */
export type CardBrand = 'VISA' | 'MASTERCARD' | 'AMEX' | 'DISCOVER' | 'JCB' | 'DINERS' | 'UPI' | 'MAESTRO' | 'CB';

export const CARD_BRANDS: readonly CardBrand[] = Object.freeze(['VISA', 'MASTERCARD', 'AMEX', 'DISCOVER', 'JCB', 'DINERS', 'UPI', 'MAESTRO', 'CB'] as const);

const BRAND_SET: ReadonlySet<string> = new Set<string>(CARD_BRANDS);

export function isCardBrand(value: string): value is CardBrand {
  return BRAND_SET.has(value);
}

function range(from: number, to: number): readonly number[] {
  return Object.freeze(Array.from({ length: to - from + 1 }, (_, i) => from + i));
}

/** PAN lengths each brand issues. */
export const BRAND_LENGTHS: Readonly<Record<CardBrand, readonly number[]>> = Object.freeze({
  VISA: Object.freeze([13, 16, 19]),
  MASTERCARD: Object.freeze([16]),
  AMEX: Object.freeze([15]),
  DISCOVER: Object.freeze([16, 19]),
  JCB: range(16, 19),
  DINERS: Object.freeze([14, 16, 19]),
  UPI: range(16, 19),
  MAESTRO: range(12, 19),
  // [ours] CB cards are co-badged Visa / Mastercard and are issued with 16 digits.
  CB: Object.freeze([16]),
});

export function brandLengths(brand: CardBrand): readonly number[] {
  return BRAND_LENGTHS[brand];
}

/** An inclusive range of prefixes of one length, e.g. `2221`–`2720`. */
export interface IinRule {
  readonly brand: Exclude<CardBrand, 'CB'>;
  readonly from: string;
  readonly to: string;
}

const RULES_AS_WRITTEN: readonly IinRule[] = [
  { brand: 'VISA', from: '4', to: '4' },
  { brand: 'MASTERCARD', from: '51', to: '55' },
  { brand: 'MASTERCARD', from: '2221', to: '2720' },
  { brand: 'AMEX', from: '34', to: '34' },
  { brand: 'AMEX', from: '37', to: '37' },
  { brand: 'DISCOVER', from: '6011', to: '6011' },
  { brand: 'DISCOVER', from: '644', to: '649' },
  { brand: 'DISCOVER', from: '65', to: '65' },
  { brand: 'JCB', from: '3528', to: '3589' },
  { brand: 'DINERS', from: '300', to: '305' },
  { brand: 'DINERS', from: '36', to: '36' },
  { brand: 'DINERS', from: '38', to: '39' },
  { brand: 'UPI', from: '62', to: '62' },
  { brand: 'MAESTRO', from: '50', to: '50' },
  { brand: 'MAESTRO', from: '56', to: '58' },
  // Catch-all for the rest of the 6 series; only reached when no longer 6-prefix above matched.
  { brand: 'MAESTRO', from: '6', to: '6' },
];

/** The rules in the order they are tried: longest prefix first (stable sort keeps the written order otherwise). */
export const IIN_RULES: readonly IinRule[] = Object.freeze([...RULES_AS_WRITTEN].sort((a, b) => b.from.length - a.from.length).map((r) => Object.freeze(r)));

const DIGITS = /^[0-9]+$/;

/**
 * The brand of a PAN from its IIN prefix, or `undefined` when no range matches or the matching brand does not
 * issue PANs of this length. Does not check Luhn (see `validatePan`).
 */
export function detectBrand(pan: string): CardBrand | undefined {
  if (!DIGITS.test(pan)) return undefined;
  for (const rule of IIN_RULES) {
    const n = rule.from.length;
    if (pan.length < n) continue;
    // Equal-length ASCII digit strings compare lexicographically exactly as numbers do.
    const prefix = pan.slice(0, n);
    if (prefix >= rule.from && prefix <= rule.to) {
      return BRAND_LENGTHS[rule.brand].includes(pan.length) ? rule.brand : undefined;
    }
  }
  return undefined;
}
