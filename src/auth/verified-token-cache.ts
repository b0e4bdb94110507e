/**
 * Remembers account tokens that verified, until they expire. A signature check (EdDSA or RSA) costs far more
 * than the rest of a token read, and clients reuse one short-lived token for many calls. The cache is keyed by
 * a SHA-256 of the whole token, so only a byte-identical token hits it, and never outlives the token's `exp`.
 */
import { createHash } from 'node:crypto';
import { decodeJwt } from 'jose';
import type { Clock } from '../clock.js';
import type { AccountPrincipal, AccountTokenVerifier } from './account-token.js';

const MAX_ENTRIES = 10_000;

export function cacheVerifiedTokens(verifier: AccountTokenVerifier, now: Clock): AccountTokenVerifier {
  const verified = new Map<string, { principal: AccountPrincipal; expiresAt: number }>();
  return {
    async verify(token) {
      const key = createHash('sha256').update(token).digest('base64');
      const hit = verified.get(key);
      const nowMs = now().getTime();
      if (hit && hit.expiresAt > nowMs) return hit.principal;
      if (hit) verified.delete(key);
      const principal = await verifier.verify(token);
      // Verified above, so exp exists and is a number; read it for the cache lifetime only.
      const exp = decodeJwt(token).exp;
      if (typeof exp === 'number') {
        if (verified.size >= MAX_ENTRIES) verified.clear();
        verified.set(key, { principal, expiresAt: exp * 1000 });
      }
      return principal;
    },
  };
}
