/**
 * The memo of opened cards used by token reads: it answers only for the exact sealed value it saw, never keeps
 * a PAN, and stays bounded.
 */
import { describe, expect, it } from 'vitest';
import { createHolderCache } from '../../src/merchant/holder-cache.js';

describe('holder cache', () => {
  const opened = { pan: '4111111111111111', cardholderName: 'Ada Lovelace', cardHolderEmail: 'ada@example.com', sequenceNumber: '01' };

  it('keeps the holder fields only, never the PAN or other sealed fields', () => {
    const cache = createHolderCache();
    const fields = cache.set('t1', 'm1', 'sealed-1', 1, opened);
    expect(fields).toStrictEqual({ cardholderName: 'Ada Lovelace', cardHolderEmail: 'ada@example.com' });
    expect(JSON.stringify(cache.get('t1', 'm1', 'sealed-1', 1))).not.toContain('4111');
    expect(Object.isFrozen(fields)).toBe(true);
  });

  it('misses as soon as the sealed value, key version or merchant differ, or the entry was forgotten', () => {
    const cache = createHolderCache();
    cache.set('t1', 'm1', 'sealed-1', 1, opened);
    expect(cache.get('t1', 'm1', 'sealed-1', 1)).toBeDefined();
    expect(cache.get('t1', 'm1', 'sealed-2', 1)).toBeUndefined();
    expect(cache.get('t1', 'm1', 'sealed-1', 2)).toBeUndefined();
    expect(cache.get('t1', 'm2', 'sealed-1', 1)).toBeUndefined();
    expect(cache.get('t2', 'm1', 'sealed-1', 1)).toBeUndefined();
    cache.forget('t1');
    expect(cache.get('t1', 'm1', 'sealed-1', 1)).toBeUndefined();
  });

  it('is bounded and drops the least recently used entry first', () => {
    const cache = createHolderCache(2);
    cache.set('a', 'm', 'sa', 1, {});
    cache.set('b', 'm', 'sb', 1, {});
    expect(cache.get('a', 'm', 'sa', 1)).toBeDefined(); // a is now more recent than b
    cache.set('c', 'm', 'sc', 1, {});
    expect(cache.get('b', 'm', 'sb', 1)).toBeUndefined();
    expect(cache.get('a', 'm', 'sa', 1)).toBeDefined();
    expect(cache.get('c', 'm', 'sc', 1)).toBeDefined();
  });
});
