/**
 * HTTP Basic authentication of merchants (API key id : secret).
 *
 * Secrets are stored as scrypt hashes, which cost tens of milliseconds by design. Paying that on every request
 * would cap the API at a few dozen requests per second, so a successful verification is remembered for a short
 * while as an HMAC of the secret under a per-process random key: a later request with the same secret is
 * checked in constant time against that digest, and a revoked key stops working within the cache lifetime.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { Unauthorized } from '../errors.js';
import { hashSecret, verifySecret } from '../vault/secrets.js';
import type { Clock } from '../clock.js';
import type { MerchantCaller } from './token-service.js';

const CACHE_TTL_MS = 60_000;
const MAX_CACHED = 10_000;

export interface MerchantAuthenticator {
  authenticate(authorizationHeader: string | undefined): Promise<MerchantCaller>;
  /** Drops a remembered verification at once, e.g. when the key is revoked. */
  forget(apiKeyId: string): void;
}

export function parseBasic(header: string | undefined): { id: string; secret: string } | undefined {
  if (!header) return undefined;
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  return { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

export function createMerchantAuthenticator(db: Kysely<Database>, clock: Clock): MerchantAuthenticator {
  const cacheKey = randomBytes(32);
  const digest = (secret: string) => createHmac('sha256', cacheKey).update(secret).digest();
  const verified = new Map<string, { digest: Buffer; merchantId: string; until: number }>();
  // Unknown key ids still cost one scrypt, so response time does not tell which ids exist.
  const decoyHash = hashSecret(randomBytes(16).toString('hex'));

  return {
    forget: (apiKeyId) => void verified.delete(apiKeyId),
    async authenticate(header) {
      const credentials = parseBasic(header);
      if (!credentials || credentials.id.length > 100 || credentials.secret.length > 200) throw new Unauthorized('malformed credentials');
      const now = clock().getTime();
      const cached = verified.get(credentials.id);
      if (cached && cached.until > now && timingSafeEqual(cached.digest, digest(credentials.secret))) {
        return { merchantId: cached.merchantId, apiKeyId: credentials.id };
      }
      const key = await db
        .selectFrom('api_keys')
        .select(['merchant_id', 'secret_hash', 'revoked_at'])
        .where('id', '=', credentials.id)
        .executeTakeFirst();
      const ok = await verifySecret(credentials.secret, key?.secret_hash ?? (await decoyHash));
      if (!key || !ok || key.revoked_at !== null) throw new Unauthorized('wrong credentials');
      if (verified.size >= MAX_CACHED) verified.clear();
      verified.set(credentials.id, { digest: digest(credentials.secret), merchantId: key.merchant_id, until: now + CACHE_TTL_MS });
      return { merchantId: key.merchant_id, apiKeyId: credentials.id };
    },
  };
}
