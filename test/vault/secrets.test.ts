import { describe, expect, it } from 'vitest';
import { generateSecret, hashSecret, safeEqual, verifySecret } from '../../src/vault/secrets.js';

describe('API secrets', () => {
  it('generates 32-byte base64url secrets that differ', () => {
    const a = generateSecret();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(generateSecret()).not.toBe(a);
  });

  it('verifies the right secret and rejects a wrong one', async () => {
    const secret = generateSecret();
    const stored = await hashSecret(secret);
    expect(await verifySecret(secret, stored)).toBe(true);
    expect(await verifySecret(generateSecret(), stored)).toBe(false);
    expect(await verifySecret(secret.slice(0, -1), stored)).toBe(false);
    expect(await verifySecret(secret + 'x', stored)).toBe(false);
    expect(await verifySecret('', stored)).toBe(false);
  });

  it('stores a self-describing salted scrypt hash that does not contain the secret', async () => {
    const secret = generateSecret();
    const stored = await hashSecret(secret);
    expect(stored).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(stored).not.toContain(secret);
    expect(stored).not.toContain(Buffer.from(secret).toString('base64url'));
    expect(stored).not.toContain(Buffer.from(secret).toString('hex'));
  });

  it('salts: the same secret hashes differently each time, and both hashes verify', async () => {
    const secret = 'correct horse battery staple';
    const [a, b] = await Promise.all([hashSecret(secret), hashSecret(secret)]);
    expect(a).not.toBe(b);
    expect(await verifySecret(secret, a)).toBe(true);
    expect(await verifySecret(secret, b)).toBe(true);
  });

  it('rejects (never accepts) a malformed stored hash', async () => {
    const secret = 'anything at all';
    const good = await hashSecret(secret);
    const parts = good.split('$');
    const malformed = [
      '',
      'plain',
      good.replace(/^scrypt/, 'bcrypt'),
      parts.slice(0, 5).join('$'),
      [...parts.slice(0, 5), '!!!!'].join('$'), // hash decodes to nothing
      [...parts.slice(0, 5), 'AAAA'].join('$'), // hash far too short
      [parts[0], 'abc', ...parts.slice(2)].join('$'), // N not a number
      [parts[0], '3', ...parts.slice(2)].join('$'), // N not a power of two
    ];
    for (const stored of malformed) expect(await verifySecret(secret, stored), stored).toBe(false);
  });

  it('safeEqual compares strings exactly, whatever their lengths', () => {
    expect(safeEqual('same-token-value', 'same-token-value')).toBe(true);
    expect(safeEqual('', '')).toBe(true);
    expect(safeEqual('same-token-value', 'same-token-valuf')).toBe(false);
    expect(safeEqual('short', 'a much longer value')).toBe(false);
    expect(safeEqual('abc', 'abc ')).toBe(false);
    expect(safeEqual('abc', 'ABC')).toBe(false);
    expect(safeEqual('', 'x')).toBe(false);
  });
});
