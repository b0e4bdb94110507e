import { describe, it, expect } from 'vitest';
import { isPanFormat, panBin, panLastFour, validatePan } from '../../src/cards/pan.js';
import { luhnCheckDigit } from '../../src/cards/luhn.js';

function makePan(prefix: string, length: number): string {
  const payload = prefix.padEnd(length - 1, '0');
  return payload + luhnCheckDigit(payload);
}

describe('validatePan', () => {
  it.each([
    ['4111111111111111', 'VISA'],
    ['5555555555554444', 'MASTERCARD'],
    ['2223003122003222', 'MASTERCARD'],
    ['378282246310005', 'AMEX'],
    ['6011111111111117', 'DISCOVER'],
    ['3530111333300000', 'JCB'],
    ['30569309025904', 'DINERS'],
    ['6200000000000005', 'UPI'],
    ['6759649826438453', 'MAESTRO'],
  ])('accepts %s as %s', (pan, brand) => {
    expect(validatePan(pan)).toEqual({ ok: true, brand });
  });

  it('accepts a Luhn-valid PAN with no known brand, brand undefined', () => {
    expect(validatePan(makePan('1', 16))).toEqual({ ok: true, brand: undefined });
    // Visa prefix but a length Visa does not issue
    expect(validatePan(makePan('4', 14))).toEqual({ ok: true, brand: undefined });
  });

  it('accepts the length bounds 12 and 19', () => {
    expect(validatePan(makePan('50', 12))).toEqual({ ok: true, brand: 'MAESTRO' });
    expect(validatePan(makePan('4', 19))).toEqual({ ok: true, brand: 'VISA' });
  });

  it.each([
    ['empty', ''],
    ['11 digits', makePan('50', 11)],
    ['20 digits', makePan('50', 20)],
    ['spaces', '4111 1111 1111 1111'],
    ['dashes', '4111-1111-1111-1111'],
    ['leading space', ' 4111111111111111'],
    ['trailing newline', '4111111111111111\n'],
    ['letters', '411111111111111a'],
    ['sign', '+4111111111111111'],
    ['full-width digits', '４１１１１１１１１１１１１１１１'],
    ['Arabic-Indic digits', '\u0664\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661'],
  ])('rejects %s as format', (_label, pan) => {
    expect(validatePan(pan)).toEqual({ ok: false, reason: 'format' });
  });

  it.each(['4111111111111112', '5555555555554440', '378282246310006', '123456789012'])('rejects %s as luhn', (pan) => {
    expect(validatePan(pan)).toEqual({ ok: false, reason: 'luhn' });
  });

  it('isPanFormat checks shape only', () => {
    expect(isPanFormat('4111111111111112')).toBe(true);
    expect(isPanFormat('41111111111')).toBe(false);
  });
});

describe('panBin / panLastFour', () => {
  it('8-digit BIN for PANs of 16+ digits', () => {
    expect(panBin('4111111111111111')).toBe('41111111');
    expect(panBin(makePan('62212645', 19))).toBe('62212645');
  });

  it('6-digit BIN for shorter PANs', () => {
    expect(panBin('378282246310005')).toBe('378282');
    expect(panBin('30569309025904')).toBe('305693');
    expect(panBin(makePan('675964', 12))).toBe('675964');
  });

  it('last four', () => {
    expect(panLastFour('4111111111111111')).toBe('1111');
    expect(panLastFour('378282246310005')).toBe('0005');
  });

  it('never shows more than BIN + last four: at least the middle stays hidden', () => {
    for (let len = 12; len <= 19; len++) {
      const pan = makePan('5', len);
      expect(panBin(pan).length + panLastFour(pan).length).toBeLessThan(len);
    }
  });

  it('throws on a non-PAN without echoing it', () => {
    const bad = '4111111111111111x';
    expect(() => panBin(bad)).toThrow(TypeError);
    expect(() => panLastFour('12345')).toThrow(TypeError);
    try {
      panBin(bad);
    } catch (e) {
      expect((e as Error).message).not.toContain('4111111111111111');
    }
  });
});
