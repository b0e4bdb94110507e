/**
 * The Ed25519 key that signs account tokens, derived from a 32-byte data key of the issuer side (an Ed25519
 * private key is just a 32-byte seed). It is therefore stored the way every key is: wrapped by the master key.
 */
import { createPrivateKey } from 'node:crypto';
import type { JWK } from './account-token.js';

// PKCS#8 DER prefix of an Ed25519 private key (RFC 8410); the 32-byte seed follows it.
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export function ed25519JwkFromSeed(seed: Buffer): JWK {
  if (seed.length !== 32) throw new Error('an Ed25519 seed is 32 bytes');
  const key = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  return key.export({ format: 'jwk' }) as JWK;
}
