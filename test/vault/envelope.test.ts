import { describe, expect, it } from 'vitest';
import { generateKey, KEY_BYTES, open, seal, VaultDecryptError } from '../../src/vault/envelope.js';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER = 1 + IV_BYTES + TAG_BYTES;
const AAD = 'record:merchant:m-1:tok-1:v1';
const PLAINTEXT = Buffer.from('{"pan":"4111111111111111","name":"Jane Doe"}', 'utf8');

function flip(buffer: Buffer, index: number): Buffer {
  const copy = Buffer.from(buffer);
  copy[index] = copy[index]! ^ 0x01;
  return copy;
}

describe('envelope (AES-256-GCM)', () => {
  const key = generateKey();
  const sealed = seal(key, PLAINTEXT, AAD);

  it('round-trips plaintext under the same key and associated data', () => {
    expect(open(key, sealed, AAD)).toEqual(PLAINTEXT);
  });

  it('round-trips an empty plaintext', () => {
    const empty = seal(key, Buffer.alloc(0), AAD);
    expect(empty.length).toBe(HEADER);
    expect(open(key, empty, AAD)).toEqual(Buffer.alloc(0));
  });

  it('has the documented layout and never contains the plaintext', () => {
    expect(sealed[0]).toBe(0x01);
    expect(sealed.length).toBe(HEADER + PLAINTEXT.length);
    expect(sealed.includes(PLAINTEXT)).toBe(false);
    expect(sealed.includes(Buffer.from('4111111111111111'))).toBe(false);
  });

  it('generates 32-byte keys that differ each time', () => {
    expect(KEY_BYTES).toBe(32);
    const a = generateKey();
    const b = generateKey();
    expect(a.length).toBe(32);
    expect(a.equals(b)).toBe(false);
  });

  it('two seals of the same plaintext differ (random IV), and both open', () => {
    const again = seal(key, PLAINTEXT, AAD);
    expect(again.equals(sealed)).toBe(false);
    expect(again.subarray(1, 1 + IV_BYTES).equals(sealed.subarray(1, 1 + IV_BYTES))).toBe(false);
    expect(open(key, again, AAD)).toEqual(PLAINTEXT);
  });

  it('IVs do not repeat over many seals', () => {
    const ivs = new Set<string>();
    for (let i = 0; i < 2000; i++)
      ivs.add(
        seal(key, PLAINTEXT, AAD)
          .subarray(1, 1 + IV_BYTES)
          .toString('hex'),
      );
    expect(ivs.size).toBe(2000);
  });

  it('rejects the wrong key', () => {
    expect(() => open(generateKey(), sealed, AAD)).toThrow(VaultDecryptError);
  });

  it.each([
    ['another merchant', 'record:merchant:m-2:tok-1:v1'],
    ['another token id', 'record:merchant:m-1:tok-2:v1'],
    ['another key version', 'record:merchant:m-1:tok-1:v2'],
    ['empty associated data', ''],
    ['a prefix of the associated data', AAD.slice(0, -1)],
  ])('rejects the wrong associated data (%s)', (_label, aad) => {
    expect(() => open(key, sealed, aad)).toThrow(VaultDecryptError);
  });

  it.each([
    ['format byte', 0],
    ['first IV byte', 1],
    ['last IV byte', IV_BYTES],
    ['first tag byte', 1 + IV_BYTES],
    ['last tag byte', HEADER - 1],
    ['first body byte', HEADER],
    ['last body byte', HEADER + PLAINTEXT.length - 1],
  ])('rejects a flipped bit in the %s', (_label, index) => {
    expect(() => open(key, flip(sealed, index), AAD)).toThrow(VaultDecryptError);
  });

  it('rejects every single flipped byte anywhere in the sealed value', () => {
    for (let i = 0; i < sealed.length; i++) {
      expect(() => open(key, flip(sealed, i), AAD), `byte ${i}`).toThrow(VaultDecryptError);
    }
  });

  it.each([
    ['empty', 0],
    ['format byte only', 1],
    ['header minus one byte', HEADER - 1],
    ['header only (body dropped)', HEADER],
    ['last body byte dropped', HEADER + PLAINTEXT.length - 1],
  ])('rejects a truncated value (%s)', (_label, length) => {
    expect(() => open(key, sealed.subarray(0, length), AAD)).toThrow(VaultDecryptError);
  });

  it('rejects appended bytes', () => {
    expect(() => open(key, Buffer.concat([sealed, Buffer.of(0)]), AAD)).toThrow(VaultDecryptError);
  });

  it('the decrypt error reveals nothing about the input', () => {
    try {
      open(key, flip(sealed, HEADER), AAD);
      expect.unreachable('open should have thrown');
    } catch (error) {
      expect(error).toBeInstanceOf(VaultDecryptError);
      expect((error as Error).message).toBe('ciphertext could not be authenticated');
    }
  });

  it('refuses keys that are not 32 bytes, for sealing and opening', () => {
    expect(() => seal(Buffer.alloc(16), PLAINTEXT, AAD)).toThrow(/32 bytes/);
    expect(() => open(Buffer.alloc(31), sealed, AAD)).toThrow(/32 bytes/);
  });
});
