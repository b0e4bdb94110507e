/**
 * What capture-key code on both sides of the worker boundary shares (see capture-keys.ts, decrypt-pool.ts).
 * No openpgp here: the request thread imports this and must not load openpgp just for types and a constant.
 */

export type CaptureKeyAlgorithm = 'curve25519' | 'rsa3072';

export interface CaptureKeyPair {
  publicKeyArmored: string;
  privateKeyArmored: string;
  /** Hex fingerprint of the primary key, as OpenPGP tools print it (lower case). */
  keyFingerprint: string;
}

export type DecryptFailureReason = 'malformed' | 'wrong_key' | 'corrupt';
export type DecryptResult = { ok: true; plaintext: string } | { ok: false; reason: DecryptFailureReason };

export interface CaptureDecryptor {
  /** Fingerprint of the primary key this decryptor was loaded from. */
  readonly keyFingerprint: string;
  /** Hex key IDs of the (sub)keys that can decrypt: what a blob's recipient key IDs are matched against. */
  readonly decryptionKeyIDs: readonly string[];
  /** Never throws for bad input; every failure is one of the three reasons. */
  decrypt(encryptedCardBase64: string): Promise<DecryptResult>;
}

/** Upper bound on `encrypted_card` (base64 characters). A real blob is 1–3 KiB; anything near this is abuse. */
export const MAX_ENCRYPTED_CARD_CHARS = 64 * 1024;
