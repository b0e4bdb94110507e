import { describe, expect, it } from 'vitest';
import { isLuhnValid } from '../../src/cards/luhn.js';
import { formatPreservingToken, passesLuhn, preservesFormatOf, randomReuseToken } from '../../src/vault/token-ids.js';

describe('random reuse tokens', () => {
  it('are 32 lower-case hex characters and unique over 10k draws', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 10_000; i++) {
      const token = randomReuseToken();
      expect(token).toMatch(/^[0-9a-f]{32}$/);
      seen.add(token);
    }
    expect(seen.size).toBe(10_000);
  });

  it('can never pass for a PAN (not 12-19 digits)', () => {
    for (let i = 0; i < 1000; i++) expect(randomReuseToken()).not.toMatch(/^[0-9]{12,19}$/);
  });
});

describe('format-preserving tokens', () => {
  const PANS = [
    '411111111111', // 12 (shortest PAN: only two random digits)
    '4222222222222', // 13
    '30569309025904', // 14
    '378282246310005', // 15
    '4111111111111111', // 16
    '5555555555554444',
    '6011111111111117',
    '35301113333000000', // 17
    '625094000000000000', // 18 (UnionPay-style length)
    '4000000000000000006', // 19
  ];

  it.each(PANS)('keeps first 6, last 4 and length of %s, and is never Luhn-valid (500 draws)', (pan) => {
    const middles = new Set<string>();
    for (let i = 0; i < 500; i++) {
      const token = formatPreservingToken(pan);
      expect(token).toHaveLength(pan.length);
      expect(token).toMatch(/^[0-9]+$/);
      expect(token.slice(0, 6)).toBe(pan.slice(0, 6));
      expect(token.slice(-4)).toBe(pan.slice(-4));
      expect(token).not.toBe(pan);
      expect(isLuhnValid(token)).toBe(false);
      middles.add(token.slice(6, -4));
    }
    // The middle is random. Expected distinct middles in 500 draws: ~90 of 90 (2 digits), ~380 of ~900 (3 digits),
    // ~490 (4+ digits); the bounds sit far below, so they only fail for a middle that is not random.
    const randomDigits = pan.length - 10;
    expect(middles.size).toBeGreaterThan(randomDigits === 2 ? 50 : randomDigits === 3 ? 300 : 450);
  });

  it('preservesFormatOf accepts a card with the same length, first six and last four, and nothing else', () => {
    const token = formatPreservingToken('4111111111111111');
    expect(preservesFormatOf(token, '4111111111111111')).toBe(true);
    expect(preservesFormatOf(token, '4111119876541111')).toBe(true);
    expect(preservesFormatOf(token, '4111121111111111')).toBe(false); // first six differ
    expect(preservesFormatOf(token, '4111111111111112')).toBe(false); // last four differ
    expect(preservesFormatOf(token, '411111111111111')).toBe(false); // shorter
  });

  it('refuses input that is not a PAN instead of looping or leaking it', () => {
    for (const bad of ['4111111111', '41111111111', '', '4111-1111-1111-1111', '41111111111111111111']) {
      let message = '';
      try {
        formatPreservingToken(bad);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message, bad).not.toBe('');
      if (bad) expect(message).not.toContain(bad);
    }
  });
});

describe("the vault's own Luhn check", () => {
  it('agrees with cards/luhn.ts on every length from 1 to 19 digits', () => {
    for (let i = 0; i < 20_000; i++) {
      const length = 1 + (i % 19);
      let digits = '';
      for (let j = 0; j < length; j++) digits += String(Math.floor(Math.random() * 10));
      expect(passesLuhn(digits), digits).toBe(isLuhnValid(digits));
    }
  });
});
