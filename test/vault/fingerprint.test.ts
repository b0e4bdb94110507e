import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateKey } from '../../src/vault/envelope.js';
import { fingerprint } from '../../src/vault/fingerprint.js';
import { analyticsToken } from '../../src/vault/token-ids.js';

const PAN = '4111111111111111';

describe('fingerprint (keyed HMAC)', () => {
  const key = generateKey();

  it('is deterministic for the same key, domain and value', () => {
    expect(fingerprint(key, 'pan', PAN)).toBe(fingerprint(Buffer.from(key), 'pan', PAN));
  });

  it('is a base64url HMAC-SHA-256 (43 characters)', () => {
    expect(fingerprint(key, 'pan', PAN)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('is keyed: another key gives another fingerprint', () => {
    expect(fingerprint(generateKey(), 'pan', PAN)).not.toBe(fingerprint(key, 'pan', PAN));
  });

  it('is not a bare hash of the value', () => {
    const fp = fingerprint(key, 'pan', PAN);
    for (const alg of ['sha256', 'sha512', 'sha1']) {
      const digest = createHash(alg).update(PAN).digest();
      expect(fp).not.toBe(digest.toString('base64url'));
      expect(fp).not.toBe(digest.subarray(0, 32).toString('base64url'));
    }
    expect(fp).not.toContain(PAN);
    expect(fp).not.toContain(PAN.slice(-4) + PAN.slice(0, 6));
  });

  it('different values give different fingerprints', () => {
    expect(fingerprint(key, 'pan', '4111111111111111')).not.toBe(fingerprint(key, 'pan', '4111111111111129'));
  });

  it('is domain-separated: the same value under another domain is unrelated', () => {
    expect(fingerprint(key, 'email', PAN)).not.toBe(fingerprint(key, 'pan', PAN));
  });

  it('the domain/value boundary cannot be shifted', () => {
    // Without a separator "pa" + "n4111…" and "pan" + "4111…" would hash the same bytes.
    expect(fingerprint(key, 'pa', 'n' + PAN)).not.toBe(fingerprint(key, 'pan', PAN));
    expect(fingerprint(key, 'pan4', PAN.slice(1))).not.toBe(fingerprint(key, 'pan', PAN));
  });

  it('analytics tokens are keyed and deterministic too, and unrelated to the pan fingerprint', () => {
    const token = analyticsToken(key, PAN);
    expect(token).toMatch(/^[0-9a-f]{32}$/);
    expect(analyticsToken(key, PAN)).toBe(token);
    expect(analyticsToken(generateKey(), PAN)).not.toBe(token);
    expect(analyticsToken(key, '5555555555554444')).not.toBe(token);
    expect(Buffer.from(fingerprint(key, 'pan', PAN), 'base64url').toString('hex')).not.toContain(token);
  });
});
