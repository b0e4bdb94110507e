/**
 * The form in which capture public keys are handed out (`public_key`: base64 of the ASCII armor). Kept apart from
 * encrypt-card.ts so the server can encode keys without loading openpgp on its request thread.
 */
import { base64ToText, textToBase64 } from './base64.js';

/** base64 of the ASCII-armored public key: the form in which capture keys are handed out. */
export function encodePublicKeyForDistribution(armored: string): string {
  return textToBase64(armored);
}

/** Inverse of encodePublicKeyForDistribution. Throws if the input is not base64 of UTF-8 text. */
export function decodeDistributedPublicKey(b64: string): string {
  const armored = base64ToText(b64);
  if (armored === null) throw new Error('public key is not valid base64-encoded text');
  return armored;
}
