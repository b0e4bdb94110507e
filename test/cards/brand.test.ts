import { describe, it, expect } from 'vitest';
import { BRAND_LENGTHS, CARD_BRANDS, IIN_RULES, brandLengths, detectBrand, isCardBrand, type CardBrand } from '../../src/cards/brand.js';
import { isLuhnValid, luhnCheckDigit } from '../../src/cards/luhn.js';

/** A Luhn-valid PAN of `length` digits starting with `prefix` (zeros in between). */
function makePan(prefix: string, length: number): string {
  const payload = prefix.padEnd(length - 1, '0');
  return payload + luhnCheckDigit(payload);
}

describe('detectBrand: each brand with allowed and disallowed lengths', () => {
  const cases: Array<[prefix: string, ok: number[], wrong: number[], brand: CardBrand]> = [
    ['4', [13, 16, 19], [12, 14, 15, 17, 18], 'VISA'],
    ['51', [16], [15, 17, 19], 'MASTERCARD'],
    ['55', [16], [13, 19], 'MASTERCARD'],
    ['2221', [16], [15, 19], 'MASTERCARD'],
    ['2720', [16], [14, 17], 'MASTERCARD'],
    ['34', [15], [14, 16], 'AMEX'],
    ['37', [15], [16, 19], 'AMEX'],
    ['6011', [16, 19], [12, 15, 17, 18], 'DISCOVER'],
    ['644', [16, 19], [15, 17], 'DISCOVER'],
    ['649', [16, 19], [18], 'DISCOVER'],
    ['65', [16, 19], [12, 17], 'DISCOVER'],
    ['3528', [16, 17, 18, 19], [14, 15], 'JCB'],
    ['3589', [16, 17, 18, 19], [15], 'JCB'],
    ['300', [14, 16, 19], [15, 17], 'DINERS'],
    ['305', [14, 16, 19], [13], 'DINERS'],
    ['36', [14, 16, 19], [15, 18], 'DINERS'],
    ['38', [14, 16, 19], [17], 'DINERS'],
    ['39', [14, 16, 19], [12], 'DINERS'],
    ['62', [16, 17, 18, 19], [12, 15], 'UPI'],
    ['50', [12, 13, 14, 15, 16, 17, 18, 19], [], 'MAESTRO'],
    ['56', [12, 19], [], 'MAESTRO'],
    ['58', [12, 16], [], 'MAESTRO'],
    ['6304', [12, 19], [], 'MAESTRO'],
    ['6759', [12, 16, 18], [], 'MAESTRO'],
  ];

  for (const [prefix, ok, wrong, brand] of cases) {
    for (const len of ok) {
      it(`${prefix}… length ${len} → ${brand}`, () => {
        expect(detectBrand(makePan(prefix, len))).toBe(brand);
      });
    }
    for (const len of wrong) {
      it(`${prefix}… length ${len} → undefined (prefix matches, ${brand} does not issue that length)`, () => {
        expect(detectBrand(makePan(prefix, len))).toBeUndefined();
      });
    }
  }
});

describe('detectBrand: range boundaries', () => {
  it.each([
    ['2220', 16, undefined],
    ['2221', 16, 'MASTERCARD'],
    ['2720', 16, 'MASTERCARD'],
    ['2721', 16, undefined],
    ['5099', 16, 'MAESTRO'],
    ['5100', 16, 'MASTERCARD'],
    ['5599', 16, 'MASTERCARD'],
    ['5600', 16, 'MAESTRO'],
    ['5899', 16, 'MAESTRO'],
    ['59', 16, undefined],
    ['33', 15, undefined],
    ['35', 16, undefined],
    ['3527', 16, undefined],
    ['3528', 16, 'JCB'],
    ['3589', 16, 'JCB'],
    ['3590', 16, undefined],
    ['299', 14, undefined],
    ['306', 14, undefined],
    ['37', 15, 'AMEX'],
    ['6010', 16, 'MAESTRO'],
    ['6011', 16, 'DISCOVER'],
    ['6012', 16, 'MAESTRO'],
    ['643', 16, 'MAESTRO'],
    ['644', 16, 'DISCOVER'],
    ['649', 16, 'DISCOVER'],
    ['6500', 16, 'DISCOVER'],
    ['6599', 16, 'DISCOVER'],
    ['66', 16, 'MAESTRO'],
    ['1', 16, undefined],
    ['7', 16, undefined],
    ['8', 16, undefined],
    ['9', 16, undefined],
    ['0', 16, undefined],
  ] as Array<[string, number, CardBrand | undefined]>)('%s… length %i → %s', (prefix, len, brand) => {
    expect(detectBrand(makePan(prefix, len))).toBe(brand);
  });

  it('UnionPay / Discover overlap 622126–622925: every 62 PAN is UPI (documented choice)', () => {
    for (const prefix of ['622125', '622126', '622500', '622925', '622926', '6282', '6288']) {
      expect(detectBrand(makePan(prefix, 16)), prefix).toBe('UPI');
    }
  });

  it('a 6-series PAN whose specific brand rejects the length is not re-classified as Maestro', () => {
    // 6011 is Discover (16, 19); a 13-digit 6011 PAN must not fall through to the Maestro 6 catch-all.
    expect(detectBrand(makePan('6011', 13))).toBeUndefined();
    expect(detectBrand(makePan('65', 13))).toBeUndefined();
    expect(detectBrand(makePan('62', 13))).toBeUndefined();
    expect(detectBrand(makePan('6', 13))).toBe('MAESTRO');
  });

  it('does not check Luhn (that is validatePan) and needs ASCII digits', () => {
    expect(detectBrand('4111111111111112')).toBe('VISA');
    expect(isLuhnValid('4111111111111112')).toBe(false);
    expect(detectBrand('')).toBeUndefined();
    expect(detectBrand('4111 1111 1111 1111')).toBeUndefined();
    expect(detectBrand('４１１１１１１１１１１１１１１１')).toBeUndefined();
  });

  it('too short or too long for any brand → undefined', () => {
    expect(detectBrand(makePan('50', 11))).toBeUndefined();
    expect(detectBrand(makePan('50', 20))).toBeUndefined();
    expect(detectBrand('4')).toBeUndefined();
  });
});

describe('brand table data', () => {
  it('rules are ordered most specific (longest prefix) first', () => {
    for (let i = 1; i < IIN_RULES.length; i++) {
      expect(IIN_RULES[i - 1]!.from.length).toBeGreaterThanOrEqual(IIN_RULES[i]!.from.length);
    }
  });

  it('each rule is a well-formed range', () => {
    for (const r of IIN_RULES) {
      expect(r.from).toMatch(/^[0-9]+$/);
      expect(r.to.length).toBe(r.from.length);
      expect(r.from <= r.to).toBe(true);
    }
  });

  it('CB is never detected from a range', () => {
    expect(IIN_RULES.some((r) => (r.brand as string) === 'CB')).toBe(false);
    expect(detectBrand(makePan('497010', 16))).toBe('VISA');
  });

  it('brand names and lengths', () => {
    expect([...CARD_BRANDS].sort()).toEqual(['AMEX', 'CB', 'DINERS', 'DISCOVER', 'JCB', 'MAESTRO', 'MASTERCARD', 'UPI', 'VISA']);
    expect(isCardBrand('VISA')).toBe(true);
    expect(isCardBrand('visa')).toBe(false);
    expect(isCardBrand('UNIONPAY')).toBe(false);
    expect(brandLengths('AMEX')).toEqual([15]);
    expect(brandLengths('MAESTRO')).toEqual([12, 13, 14, 15, 16, 17, 18, 19]);
    for (const b of CARD_BRANDS) {
      for (const len of BRAND_LENGTHS[b]) {
        expect(len).toBeGreaterThanOrEqual(12);
        expect(len).toBeLessThanOrEqual(19);
      }
    }
  });
});
