import { describe, expect, it } from 'vitest';
import { generateKey, VaultDecryptError } from '../../src/vault/envelope.js';
import { createMasterKeyring, masterKeyId } from '../../src/vault/keyring.js';

const AAD = 'data-key:merchant:m-1:data:1';

describe('master keyring', () => {
  const oldMaster = generateKey();
  const newMaster = generateKey();
  const dataKey = generateKey();

  it('derives a stable 16-hex id from the key, different per key', () => {
    expect(masterKeyId(oldMaster)).toMatch(/^[0-9a-f]{16}$/);
    expect(masterKeyId(Buffer.from(oldMaster))).toBe(masterKeyId(oldMaster));
    expect(masterKeyId(newMaster)).not.toBe(masterKeyId(oldMaster));
    expect(masterKeyId(oldMaster)).not.toContain(oldMaster.toString('hex').slice(0, 16));
  });

  it('wraps under the current key and unwraps back to the data key', () => {
    const ring = createMasterKeyring(oldMaster);
    const { wrapped, masterKeyId: id } = ring.wrap(dataKey, AAD);
    expect(id).toBe(masterKeyId(oldMaster));
    expect(ring.currentId).toBe(id);
    expect(wrapped.includes(dataKey)).toBe(false);
    expect(ring.unwrap(wrapped, id, AAD)).toEqual(dataKey);
  });

  it('wrapping is randomized', () => {
    const ring = createMasterKeyring(oldMaster);
    expect(ring.wrap(dataKey, AAD).wrapped.equals(ring.wrap(dataKey, AAD).wrapped)).toBe(false);
  });

  it('binds the wrapped key to its associated data', () => {
    const ring = createMasterKeyring(oldMaster);
    const { wrapped, masterKeyId: id } = ring.wrap(dataKey, AAD);
    expect(() => ring.unwrap(wrapped, id, 'data-key:merchant:m-2:data:1')).toThrow(VaultDecryptError);
    expect(() => ring.unwrap(wrapped, id, 'data-key:merchant:m-1:data:2')).toThrow(VaultDecryptError);
  });

  it('accepts keys wrapped by a previous master key, and wraps new ones under the current key', () => {
    const before = createMasterKeyring(oldMaster);
    const { wrapped, masterKeyId: oldId } = before.wrap(dataKey, AAD);

    const after = createMasterKeyring(newMaster, [oldMaster]);
    expect(after.currentId).toBe(masterKeyId(newMaster));
    expect(after.has(oldId)).toBe(true);
    expect(after.has(after.currentId)).toBe(true);
    expect(after.unwrap(wrapped, oldId, AAD)).toEqual(dataKey);

    const rewrapped = after.wrap(dataKey, AAD);
    expect(rewrapped.masterKeyId).toBe(masterKeyId(newMaster));
    expect(createMasterKeyring(newMaster).unwrap(rewrapped.wrapped, rewrapped.masterKeyId, AAD)).toEqual(dataKey);
  });

  it('several previous keys are all accepted', () => {
    const keys = [generateKey(), generateKey(), generateKey()];
    const wrappedByEach = keys.map((k) => createMasterKeyring(k).wrap(dataKey, AAD));
    const ring = createMasterKeyring(generateKey(), keys);
    for (const { wrapped, masterKeyId: id } of wrappedByEach) expect(ring.unwrap(wrapped, id, AAD)).toEqual(dataKey);
  });

  it('an unknown master key id fails with a clear error that names the id and the setting', () => {
    const { wrapped, masterKeyId: oldId } = createMasterKeyring(oldMaster).wrap(dataKey, AAD);
    const ring = createMasterKeyring(newMaster);
    expect(ring.has(oldId)).toBe(false);
    let message = '';
    try {
      ring.unwrap(wrapped, oldId, AAD);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain(oldId);
    expect(message).toContain('TESSERA_PREVIOUS_MASTER_KEYS');
    expect(message).not.toContain(oldMaster.toString('base64'));
    expect(message).not.toContain(newMaster.toString('base64'));
  });

  it('a wrapped key presented under the wrong (but configured) master key id does not open', () => {
    const { wrapped } = createMasterKeyring(oldMaster).wrap(dataKey, AAD);
    const ring = createMasterKeyring(newMaster, [oldMaster]);
    expect(() => ring.unwrap(wrapped, masterKeyId(newMaster), AAD)).toThrow(VaultDecryptError);
  });

  it('a data key sealed with the plain envelope under the same AAD is not a valid wrapped key (domain separation)', async () => {
    const { seal } = await import('../../src/vault/envelope.js');
    const ring = createMasterKeyring(oldMaster);
    expect(() => ring.unwrap(seal(oldMaster, dataKey, AAD), ring.currentId, AAD)).toThrow(VaultDecryptError);
  });
});
