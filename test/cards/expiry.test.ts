import { describe, it, expect } from 'vitest';
import { checkExpiry, endOfExpiryMonth, normalizeExpiryYear } from '../../src/cards/expiry.js';

const at = (iso: string): Date => new Date(iso);

describe('normalizeExpiryYear', () => {
  it.each([
    [0, 2000],
    [7, 2007],
    [29, 2029],
    [99, 2099],
    [2029, 2029],
    [2000, 2000],
  ])('%i → %i', (year, expected) => {
    expect(normalizeExpiryYear(year)).toBe(expected);
  });
});

describe('checkExpiry', () => {
  const now = at('2026-11-22T10:00:00Z');

  it.each([0, 13, -1, 12.5, 1.0000001, Number.NaN, Number.POSITIVE_INFINITY])('month %d is invalid', (month) => {
    expect(checkExpiry(month, 2029, now)).toBe('invalid');
  });

  it.each([1999, 2100, 2150, 100, 999, -1, 12.5, 2029.5, Number.NaN])('year %d is invalid', (year) => {
    expect(checkExpiry(12, year, now)).toBe('invalid');
  });

  it('accepts 2- and 4-digit years alike', () => {
    expect(checkExpiry(12, 29, now)).toBe('ok');
    expect(checkExpiry(12, 2029, now)).toBe('ok');
    expect(checkExpiry(10, 26, now)).toBe('expired');
    expect(checkExpiry(10, 2026, now)).toBe('expired');
    expect(checkExpiry(1, 0, now)).toBe('expired');
    expect(checkExpiry(12, 99, now)).toBe('ok');
  });

  it('the current month is valid', () => {
    expect(checkExpiry(11, 26, now)).toBe('ok');
  });

  it('valid through the last instant of the expiry month, expired at the first of the next (UTC)', () => {
    expect(checkExpiry(1, 2026, at('2026-01-31T00:00:00Z'))).toBe('ok');
    expect(checkExpiry(1, 2026, at('2026-01-31T23:59:59.999Z'))).toBe('ok');
    expect(checkExpiry(1, 2026, at('2026-02-01T00:00:00.000Z'))).toBe('expired');
  });

  it('handles February in leap and common years', () => {
    expect(checkExpiry(2, 28, at('2028-02-29T23:59:59Z'))).toBe('ok');
    expect(checkExpiry(2, 28, at('2028-03-01T00:00:00Z'))).toBe('expired');
    expect(checkExpiry(2, 27, at('2027-02-28T23:59:59Z'))).toBe('ok');
    expect(checkExpiry(2, 27, at('2027-03-01T00:00:00Z'))).toBe('expired');
  });

  it('handles the December → January year rollover', () => {
    expect(checkExpiry(12, 2026, at('2026-12-31T23:59:59.999Z'))).toBe('ok');
    expect(checkExpiry(12, 2026, at('2027-01-01T00:00:00Z'))).toBe('expired');
  });

  it('uses UTC regardless of the offset the instant was written with', () => {
    // 2026-02-01T00:30 in UTC+01:00 is still January 31 in UTC.
    expect(checkExpiry(1, 2026, at('2026-02-01T00:30:00+01:00'))).toBe('ok');
    // 2026-01-31T23:30 in UTC-01:00 is already February in UTC.
    expect(checkExpiry(1, 2026, at('2026-01-31T23:30:00-01:00'))).toBe('expired');
  });

  it('throws on an invalid "now" instead of answering ok', () => {
    expect(() => checkExpiry(12, 2029, new Date(Number.NaN))).toThrow(RangeError);
  });
});

describe('endOfExpiryMonth', () => {
  it('is the last millisecond of the month in UTC', () => {
    expect(endOfExpiryMonth(2, 2027).toISOString()).toBe('2027-02-28T23:59:59.999Z');
    expect(endOfExpiryMonth(2, 28).toISOString()).toBe('2028-02-29T23:59:59.999Z');
    expect(endOfExpiryMonth(12, 29).toISOString()).toBe('2029-12-31T23:59:59.999Z');
    expect(endOfExpiryMonth(4, 2030).toISOString()).toBe('2030-04-30T23:59:59.999Z');
  });

  it('throws on impossible dates', () => {
    expect(() => endOfExpiryMonth(13, 2029)).toThrow(RangeError);
    expect(() => endOfExpiryMonth(1, 1999)).toThrow(RangeError);
  });
});
