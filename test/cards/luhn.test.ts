import { describe, it, expect } from 'vitest';
import { isLuhnValid, luhnCheckDigit } from '../../src/cards/luhn.js';

describe('isLuhnValid', () => {
  it.each([
    '79927398713', // the textbook example
    '4111111111111111',
    '4242424242424242',
    '5555555555554444',
    '2223003122003222',
    '378282246310005',
    '6011111111111117',
    '3530111333300000',
    '30569309025904',
    '6200000000000005',
    '0',
    '00',
  ])('accepts %s', (digits) => {
    expect(isLuhnValid(digits)).toBe(true);
  });

  it.each(['79927398710', '79927398714', '4111111111111112', '4242424242424241', '1234567812345678', '1'])('rejects %s', (digits) => {
    expect(isLuhnValid(digits)).toBe(false);
  });

  it('catches every single-digit substitution', () => {
    const pan = '4111111111111111';
    for (let i = 0; i < pan.length; i++) {
      for (let d = 0; d <= 9; d++) {
        if (String(d) === pan[i]) continue;
        const changed = pan.slice(0, i) + String(d) + pan.slice(i + 1);
        expect(isLuhnValid(changed), changed).toBe(false);
      }
    }
  });

  it.each(['', '4111 1111 1111 1111', '4111-1111-1111-1111', '\u0664\u0661\u0661\u0661', '７９９２７３９８７１３', ' 79927398713', '+0'])(
    'rejects non-ASCII-digit input %j',
    (input) => {
      expect(isLuhnValid(input)).toBe(false);
    },
  );
});

describe('luhnCheckDigit', () => {
  it.each([
    ['7992739871', '3'],
    ['411111111111111', '1'],
    ['37828224631000', '5'],
    ['601111111111111', '7'],
    ['620000000000000', '5'],
    ['0', '0'],
  ])('check digit of %s is %s', (payload, digit) => {
    expect(luhnCheckDigit(payload)).toBe(digit);
  });

  it('makes exactly one of the ten candidate digits valid', () => {
    // Deterministic pseudo-random payloads of every PAN payload length.
    let seed = 12345;
    for (let len = 11; len <= 18; len++) {
      for (let k = 0; k < 25; k++) {
        let payload = '';
        for (let i = 0; i < len; i++) {
          seed = (seed * 1103515245 + 12345) % 2147483648;
          payload += String(seed % 10);
        }
        const check = luhnCheckDigit(payload);
        expect(check).toMatch(/^[0-9]$/);
        for (let d = 0; d <= 9; d++) {
          expect(isLuhnValid(payload + String(d))).toBe(String(d) === check);
        }
      }
    }
  });

  it('throws on non-digits without echoing the input', () => {
    expect(() => luhnCheckDigit('')).toThrow(TypeError);
    expect(() => luhnCheckDigit('41111111 1111111')).toThrow(/ASCII digits/);
    try {
      luhnCheckDigit('411111111111111x');
    } catch (e) {
      expect((e as Error).message).not.toContain('411111111111111');
    }
  });
});
